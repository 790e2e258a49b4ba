import { DEFAULT_POMODORO_SETTINGS, PomodoroState } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { currentCycle, formatCountdown, isPaused, remainingFraction, remainingMs } from './timing';

describe('remainingMs', () => {
  it('counts down to the deadline in server time', () => {
    expect(remainingMs({ state: PomodoroState.WORK, endsAt: 10_000, pausedRemainingMs: null }, 4_000)).toBe(6_000);
  });

  it('never goes below zero', () => {
    expect(remainingMs({ state: PomodoroState.SHORT_BREAK, endsAt: 10_000, pausedRemainingMs: null }, 12_000)).toBe(0);
  });

  it('holds still while paused', () => {
    const paused = { state: PomodoroState.LONG_BREAK, endsAt: null, pausedRemainingMs: 90_000 };
    expect(remainingMs(paused, 1)).toBe(90_000);
    expect(remainingMs(paused, 1_000_000)).toBe(90_000);
    expect(isPaused(paused)).toBe(true);
  });

  it('is null in untimed states', () => {
    for (const state of [PomodoroState.IDLE, PomodoroState.BREAK_ALARM, PomodoroState.WORK_ALARM]) {
      expect(remainingMs({ state, endsAt: null, pausedRemainingMs: null }, 0)).toBeNull();
      expect(isPaused({ state, endsAt: null, pausedRemainingMs: null })).toBe(false);
    }
  });
});

describe('remainingFraction', () => {
  it('is the share of the period left, clamped to 0…1', () => {
    expect(remainingFraction(30_000, 60_000)).toBe(0.5);
    expect(remainingFraction(90_000, 60_000)).toBe(1);
    expect(remainingFraction(null, 60_000)).toBeNull();
    expect(remainingFraction(10, null)).toBeNull();
  });
});

describe('formatCountdown', () => {
  it('formats mm:ss rounding up to the next second', () => {
    expect(formatCountdown(25 * 60_000)).toBe('25:00');
    expect(formatCountdown(25 * 60_000 - 1)).toBe('25:00');
    expect(formatCountdown(61_000)).toBe('01:01');
    expect(formatCountdown(999)).toBe('00:01');
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(240 * 60_000)).toBe('240:00');
  });

  it('shows dashes when there is no countdown', () => {
    expect(formatCountdown(null)).toBe('--:--');
  });
});

describe('currentCycle', () => {
  const settings = DEFAULT_POMODORO_SETTINGS;

  it('counts the work period being done, then its break', () => {
    expect(currentCycle({ state: PomodoroState.IDLE, cyclesDone: 0, settings })).toBe(1);
    expect(currentCycle({ state: PomodoroState.WORK, cyclesDone: 1, settings })).toBe(2);
    expect(currentCycle({ state: PomodoroState.BREAK_ALARM, cyclesDone: 2, settings })).toBe(2);
    expect(currentCycle({ state: PomodoroState.SHORT_BREAK, cyclesDone: 2, settings })).toBe(2);
    expect(currentCycle({ state: PomodoroState.WORK_ALARM, cyclesDone: 2, settings })).toBe(3);
  });

  it('puts the long break on the last cycle and stays within bounds', () => {
    expect(currentCycle({ state: PomodoroState.LONG_BREAK, cyclesDone: 0, settings })).toBe(4);
    expect(currentCycle({ state: PomodoroState.WORK, cyclesDone: 9, settings })).toBe(4);
  });
});
