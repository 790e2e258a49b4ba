import { ALARM_STATES, PomodoroState } from '@huddle/protocol';

/** CSS modifier per state: the stylesheet gives each its colour. */
const TONE_NAMES: Readonly<Record<PomodoroState, string>> = {
  [PomodoroState.IDLE]: 'idle',
  [PomodoroState.WORK]: 'work',
  [PomodoroState.BREAK_ALARM]: 'break-alarm',
  [PomodoroState.SHORT_BREAK]: 'short-break',
  [PomodoroState.WORK_ALARM]: 'work-alarm',
  [PomodoroState.LONG_BREAK]: 'long-break',
};

export function stateTone(state: PomodoroState): { name: string; alarm: boolean } {
  return { name: TONE_NAMES[state], alarm: ALARM_STATES.includes(state) };
}
