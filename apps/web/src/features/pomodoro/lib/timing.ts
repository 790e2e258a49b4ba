import { type PomodoroSnapshot, PomodoroState, TIMED_STATES } from '@huddle/protocol';

export function isTimed(snapshot: Pick<PomodoroSnapshot, 'state'>): boolean {
  return TIMED_STATES.includes(snapshot.state);
}

export function isPaused(snapshot: Pick<PomodoroSnapshot, 'state' | 'endsAt' | 'pausedRemainingMs'>): boolean {
  return isTimed(snapshot) && snapshot.endsAt === null && snapshot.pausedRemainingMs !== null;
}

/** Time left in the current period at server time `now`; null outside timed states. */
export function remainingMs(
  snapshot: Pick<PomodoroSnapshot, 'state' | 'endsAt' | 'pausedRemainingMs'>,
  now: number,
): number | null {
  if (!isTimed(snapshot)) return null;
  if (snapshot.endsAt !== null) return Math.max(0, snapshot.endsAt - now);
  return snapshot.pausedRemainingMs === null ? null : Math.max(0, snapshot.pausedRemainingMs);
}

/** Share of the period still to run, 0…1, for the progress ring; null when there is no period. */
export function remainingFraction(remaining: number | null, periodMs: number | null): number | null {
  if (remaining === null || periodMs === null || periodMs <= 0) return null;
  return Math.min(1, Math.max(0, remaining / periodMs));
}

/** `mm:ss`, rounding up so a period shows its full length at the start and 00:00 only at its end. */
export function formatCountdown(ms: number | null): string {
  if (ms === null) return '--:--';
  const totalSeconds = Math.ceil(Math.max(0, ms) / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${String(minutes).padStart(2, '0')}:${String(seconds).padStart(2, '0')}`;
}

/** The cycle the space is in, counting from 1: a break belongs to the work period before it. */
export function currentCycle(snapshot: Pick<PomodoroSnapshot, 'state' | 'cyclesDone' | 'settings'>): number {
  const total = snapshot.settings.cyclesBeforeLongBreak;
  const { state, cyclesDone } = snapshot;
  if (state === PomodoroState.LONG_BREAK) return total;
  const onBreak = state === PomodoroState.BREAK_ALARM || state === PomodoroState.SHORT_BREAK;
  const cycle = onBreak ? cyclesDone : cyclesDone + 1;
  return Math.min(total, Math.max(1, cycle));
}
