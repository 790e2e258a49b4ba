import { ALARM_STATES, POMODORO_MESSAGES, PomodoroState } from '@huddle/protocol';
import { useEffect } from 'react';
import { playChime } from '../../../lib/chime';
import { notify } from '../../../lib/notifications';
import { usePomodoroStore } from '../stores/pomodoro-store';

const ALARM_BODIES: Partial<Record<PomodoroState, string>> = {
  [PomodoroState.BREAK_ALARM]: 'Work period done. Press the tomato to start your break.',
  [PomodoroState.WORK_ALARM]: 'Break is over. Press the tomato to get back to work.',
};

/**
 * Rings when the space's timer moves into an alarm state while this page watches it. The first
 * snapshot after opening the page is not a change, so an alarm already ringing stays quiet.
 */
export function usePomodoroAlarm(): void {
  useEffect(
    () =>
      usePomodoroStore.subscribe(({ snapshot }, previous) => {
        const before = previous.snapshot;
        if (snapshot === null || before === null || snapshot.space !== before.space) return;
        if (snapshot.state === before.state || !ALARM_STATES.includes(snapshot.state)) return;
        playChime(snapshot.state === PomodoroState.WORK_ALARM ? 'work' : 'break');
        notify(`${POMODORO_MESSAGES[snapshot.state]} · ${snapshot.space}`, {
          body: ALARM_BODIES[snapshot.state] ?? '',
          tag: `huddle-pomodoro-${snapshot.space}`,
        });
      }),
    [],
  );
}
