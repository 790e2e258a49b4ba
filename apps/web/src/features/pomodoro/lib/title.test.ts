import { PomodoroState } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { pomodoroTitle } from './title';

const base = { space: 'team-a', endsAt: null, pausedRemainingMs: null };

describe('pomodoroTitle', () => {
  it('shows the countdown while a period runs', () => {
    expect(pomodoroTitle({ ...base, state: PomodoroState.WORK, endsAt: 1 }, 754_000)).toBe('12:34 · Work — Huddle');
    expect(pomodoroTitle({ ...base, state: PomodoroState.SHORT_BREAK, endsAt: 1 }, 60_000)).toBe(
      '01:00 · Short Break — Huddle',
    );
  });

  it('marks a paused period', () => {
    expect(pomodoroTitle({ ...base, state: PomodoroState.WORK, pausedRemainingMs: 5_000 }, 5_000)).toBe(
      '00:05 · Work (paused) — Huddle',
    );
  });

  it('shows the message while an alarm rings', () => {
    expect(pomodoroTitle({ ...base, state: PomodoroState.BREAK_ALARM }, null)).toBe('Break time — Huddle');
    expect(pomodoroTitle({ ...base, state: PomodoroState.WORK_ALARM }, null)).toBe('Back to work — Huddle');
  });

  it('names the space when idle and the app before any state', () => {
    expect(pomodoroTitle({ ...base, state: PomodoroState.IDLE }, null)).toBe('team-a — Huddle');
    expect(pomodoroTitle(null, null)).toBe('Huddle');
  });
});
