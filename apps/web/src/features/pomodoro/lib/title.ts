import { ALARM_STATES, POMODORO_MESSAGES, type PomodoroSnapshot } from '@huddle/protocol';
import { formatCountdown, isPaused, isTimed } from './timing';

/** Tab title: the countdown while a period runs, the message while an alarm rings. */
export function pomodoroTitle(
  snapshot: Pick<PomodoroSnapshot, 'state' | 'endsAt' | 'pausedRemainingMs' | 'space'> | null,
  remaining: number | null,
): string {
  if (snapshot === null) return 'Huddle';
  const message = POMODORO_MESSAGES[snapshot.state];
  if (isTimed(snapshot)) {
    const paused = isPaused(snapshot) ? ' (paused)' : '';
    return `${formatCountdown(remaining)} · ${message}${paused} — Huddle`;
  }
  if (ALARM_STATES.includes(snapshot.state)) return `${message} — Huddle`;
  return `${snapshot.space} — Huddle`;
}
