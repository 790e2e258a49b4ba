import {
  ErrorCode,
  POMODORO_MESSAGES,
  type PomodoroAction,
  type PomodoroSettings,
  type PomodoroSnapshot,
  PomodoroState,
} from '@huddle/protocol';
import { AppError } from '../../errors.js';

/**
 * The shared pomodoro as a pure state machine: every function takes a snapshot and the current time
 * and returns the next snapshot (version + 1), or throws INVALID_TRANSITION. No I/O, no timers.
 */
export type Pomodoro = PomodoroSnapshot;

export function initialPomodoro(space: string, settings: PomodoroSettings): Pomodoro {
  return {
    space,
    state: PomodoroState.IDLE,
    endsAt: null,
    pausedRemainingMs: null,
    periodMs: null,
    completedPomodoros: 0,
    cyclesDone: 0,
    settings,
    activity: null,
    version: 0,
  };
}

function periodLengthMs(state: PomodoroState, settings: PomodoroSettings): number | null {
  switch (state) {
    case PomodoroState.WORK:
      return settings.workSeconds * 1000;
    case PomodoroState.SHORT_BREAK:
      return settings.shortBreakSeconds * 1000;
    case PomodoroState.LONG_BREAK:
      return settings.longBreakSeconds * 1000;
    default:
      return null;
  }
}

/** Enters `state`: a timed state starts its full period now; other states have no deadline. */
function enter(p: Pomodoro, state: PomodoroState, now: number, actor: string | null, action: PomodoroAction): Pomodoro {
  const periodMs = periodLengthMs(state, p.settings);
  return {
    ...p,
    state,
    endsAt: periodMs === null ? null : now + periodMs,
    pausedRemainingMs: null,
    periodMs,
    activity: { actor, action, state, at: now },
    version: p.version + 1,
  };
}

function invalid(message: string): never {
  throw new AppError(ErrorCode.InvalidTransition, message);
}

/** A deadline that has passed, applied. Returns null when nothing is due (so callers write nothing). */
export function expireIfDue(p: Pomodoro, now: number): Pomodoro | null {
  if (p.endsAt === null || p.endsAt > now) return null;
  // The activity is stamped with the deadline, not `now`: after downtime it tells when time was up.
  switch (p.state) {
    case PomodoroState.WORK: {
      const next = enter(p, PomodoroState.BREAK_ALARM, p.endsAt, null, 'expire');
      return { ...next, completedPomodoros: p.completedPomodoros + 1, cyclesDone: p.cyclesDone + 1 };
    }
    case PomodoroState.SHORT_BREAK:
    case PomodoroState.LONG_BREAK:
      return enter(p, PomodoroState.WORK_ALARM, p.endsAt, null, 'expire');
    default:
      return null;
  }
}

export function press(p: Pomodoro, now: number, actor: string): Pomodoro {
  switch (p.state) {
    case PomodoroState.IDLE:
    case PomodoroState.WORK_ALARM:
    case PomodoroState.LONG_BREAK:
      return enter(p, PomodoroState.WORK, now, actor, 'press');
    case PomodoroState.BREAK_ALARM: {
      if (p.cyclesDone >= p.settings.cyclesBeforeLongBreak) {
        return { ...enter(p, PomodoroState.LONG_BREAK, now, actor, 'press'), cyclesDone: 0 };
      }
      return enter(p, PomodoroState.SHORT_BREAK, now, actor, 'press');
    }
    default: {
      const what = POMODORO_MESSAGES[p.state];
      return invalid(
        p.endsAt === null ? `${what} is paused — resume or reset it` : `${what} is running — pause or reset it`,
      );
    }
  }
}

export function pause(p: Pomodoro, now: number, actor: string): Pomodoro {
  if (p.endsAt === null) {
    return invalid(p.pausedRemainingMs === null ? 'Nothing is running to pause' : 'The timer is already paused');
  }
  return {
    ...p,
    endsAt: null,
    pausedRemainingMs: Math.max(0, p.endsAt - now),
    activity: { actor, action: 'pause', state: p.state, at: now },
    version: p.version + 1,
  };
}

export function resume(p: Pomodoro, now: number, actor: string): Pomodoro {
  if (p.pausedRemainingMs === null) return invalid('The timer is not paused');
  return {
    ...p,
    endsAt: now + p.pausedRemainingMs,
    pausedRemainingMs: null,
    activity: { actor, action: 'resume', state: p.state, at: now },
    version: p.version + 1,
  };
}

/** Back to IDLE; the count of completed pomodoros is history and stays. */
export function reset(p: Pomodoro, now: number, actor: string): Pomodoro {
  return { ...enter(p, PomodoroState.IDLE, now, actor, 'reset'), cyclesDone: 0 };
}

/** New durations apply from the next period on: the running deadline is a promise already made. */
export function changeSettings(p: Pomodoro, settings: PomodoroSettings, now: number, actor: string): Pomodoro {
  return {
    ...p,
    settings,
    activity: { actor, action: 'settings', state: p.state, at: now },
    version: p.version + 1,
  };
}
