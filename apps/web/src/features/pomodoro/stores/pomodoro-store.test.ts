import { DEFAULT_POMODORO_SETTINGS, type PomodoroSnapshot, PomodoroState } from '@huddle/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { usePomodoroStore } from './pomodoro-store';

function snapshot(version: number, state: PomodoroState = PomodoroState.IDLE): PomodoroSnapshot {
  return {
    space: 'team-a',
    state,
    endsAt: null,
    pausedRemainingMs: null,
    periodMs: null,
    completedPomodoros: 0,
    cyclesDone: 0,
    settings: DEFAULT_POMODORO_SETTINGS,
    activity: null,
    version,
  };
}

describe('pomodoro store', () => {
  beforeEach(() => usePomodoroStore.getState().clear());

  it('drops a snapshot older than the one held', () => {
    const { receive } = usePomodoroStore.getState();
    receive(snapshot(5, PomodoroState.WORK));
    receive(snapshot(4, PomodoroState.IDLE));
    expect(usePomodoroStore.getState().snapshot?.version).toBe(5);
    receive(snapshot(6, PomodoroState.BREAK_ALARM));
    expect(usePomodoroStore.getState().snapshot?.state).toBe(PomodoroState.BREAK_ALARM);
  });

  it('takes the first snapshot after a reconnect whatever its version', () => {
    const { receive, expectFreshSnapshot } = usePomodoroStore.getState();
    receive(snapshot(9));
    expectFreshSnapshot();
    receive(snapshot(2, PomodoroState.WORK));
    expect(usePomodoroStore.getState().snapshot?.version).toBe(2);
    receive(snapshot(1));
    expect(usePomodoroStore.getState().snapshot?.version).toBe(2);
  });
});
