import { ErrorCode, PomodoroState } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import {
  changeSettings,
  expireIfDue,
  initialPomodoro,
  type Pomodoro,
  pause,
  press,
  reset,
  resume,
} from './pomodoro.machine.js';

const settings = { workSeconds: 60, shortBreakSeconds: 10, longBreakSeconds: 30, cyclesBeforeLongBreak: 2 };
const T0 = 1_700_000_000_000;
const fresh = () => initialPomodoro('team', settings);

function expectInvalid(fn: () => unknown, message: RegExp) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.InvalidTransition);
    expect((err as AppError).message).toMatch(message);
    return;
  }
  throw new Error('expected INVALID_TRANSITION');
}

/** Runs WORK to its deadline and returns the BREAK_ALARM state. */
function workDone(p: Pomodoro, at: number): Pomodoro {
  const working = press(p, at, 'Ana');
  const alarm = expireIfDue(working, working.endsAt as number);
  if (!alarm) throw new Error('work did not expire');
  return alarm;
}

describe('pomodoro state machine', () => {
  it('starts IDLE with no deadline', () => {
    const p = fresh();
    expect(p).toMatchObject({ state: PomodoroState.IDLE, endsAt: null, version: 0, completedPomodoros: 0 });
  });

  it('press: IDLE → WORK with a deadline of one work period', () => {
    const p = press(fresh(), T0, 'Ana');
    expect(p.state).toBe(PomodoroState.WORK);
    expect(p.endsAt).toBe(T0 + 60_000);
    expect(p.periodMs).toBe(60_000);
    expect(p.version).toBe(1);
    expect(p.activity).toEqual({ actor: 'Ana', action: 'press', state: PomodoroState.WORK, at: T0 });
  });

  it('expiry: WORK → BREAK_ALARM, counting a completed pomodoro; stamped with the deadline', () => {
    const working = press(fresh(), T0, 'Ana');
    expect(expireIfDue(working, T0 + 59_999)).toBeNull();
    const alarm = expireIfDue(working, T0 + 90_000);
    expect(alarm).toMatchObject({
      state: PomodoroState.BREAK_ALARM,
      endsAt: null,
      periodMs: null,
      completedPomodoros: 1,
      cyclesDone: 1,
      version: 2,
      activity: { actor: null, action: 'expire', state: PomodoroState.BREAK_ALARM, at: T0 + 60_000 },
    });
  });

  it('press: BREAK_ALARM → SHORT_BREAK before the cycle count is reached', () => {
    const p = press(workDone(fresh(), T0), T0 + 61_000, 'Bo');
    expect(p.state).toBe(PomodoroState.SHORT_BREAK);
    expect(p.endsAt).toBe(T0 + 61_000 + 10_000);
  });

  it('expiry: SHORT_BREAK → WORK_ALARM and LONG_BREAK → WORK_ALARM', () => {
    const short = press(workDone(fresh(), T0), T0 + 61_000, 'Bo');
    expect(expireIfDue(short, T0 + 71_000)?.state).toBe(PomodoroState.WORK_ALARM);
    const long = press(workDone({ ...fresh(), cyclesDone: 1 }, T0), T0 + 61_000, 'Bo');
    expect(long.state).toBe(PomodoroState.LONG_BREAK);
    expect(expireIfDue(long, T0 + 91_000)?.state).toBe(PomodoroState.WORK_ALARM);
  });

  it('press: WORK_ALARM → WORK', () => {
    const short = press(workDone(fresh(), T0), T0 + 61_000, 'Bo');
    const alarm = expireIfDue(short, T0 + 71_000) as Pomodoro;
    const work = press(alarm, T0 + 75_000, 'Cy');
    expect(work).toMatchObject({ state: PomodoroState.WORK, endsAt: T0 + 75_000 + 60_000 });
  });

  it('takes a long break after cyclesBeforeLongBreak work periods, then counts again from zero', () => {
    let p = fresh();
    let t = T0;
    const seen: PomodoroState[] = [];
    for (let i = 0; i < 6; i++) {
      p = workDone(p, t); // BREAK_ALARM
      t = (p.activity?.at ?? t) + 1000;
      p = press(p, t, 'Ana'); // SHORT or LONG break
      seen.push(p.state);
      p = expireIfDue(p, p.endsAt as number) as Pomodoro; // WORK_ALARM
      t = (p.activity?.at ?? t) + 1000;
    }
    const { SHORT_BREAK: S, LONG_BREAK: L } = PomodoroState;
    expect(seen).toEqual([S, L, S, L, S, L]);
    expect(p.completedPomodoros).toBe(6);
    expect(p.cyclesDone).toBe(0);
  });

  it('press: LONG_BREAK → WORK ends the break early', () => {
    const long = press(workDone({ ...fresh(), cyclesDone: 1 }, T0), T0 + 61_000, 'Bo');
    const work = press(long, T0 + 65_000, 'Ana');
    expect(work).toMatchObject({ state: PomodoroState.WORK, endsAt: T0 + 65_000 + 60_000, cyclesDone: 0 });
  });

  it('press is refused while WORK or SHORT_BREAK runs, and changes nothing', () => {
    const work = press(fresh(), T0, 'Ana');
    expectInvalid(() => press(work, T0 + 1000, 'Bo'), /Work is running/);
    const short = press(workDone(fresh(), T0), T0 + 61_000, 'Bo');
    expectInvalid(() => press(short, T0 + 62_000, 'Ana'), /Short Break is running/);
    expectInvalid(() => press(pause(work, T0 + 1000, 'Ana'), T0 + 2000, 'Bo'), /Work is paused/);
  });

  it('pause keeps the remaining time; resume sets a new deadline from it', () => {
    const work = press(fresh(), T0, 'Ana');
    const paused = pause(work, T0 + 20_000, 'Bo');
    expect(paused).toMatchObject({ state: PomodoroState.WORK, endsAt: null, pausedRemainingMs: 40_000 });
    expect(expireIfDue(paused, T0 + 10 * 60_000)).toBeNull();
    const resumed = resume(paused, T0 + 100_000, 'Cy');
    expect(resumed).toMatchObject({ endsAt: T0 + 140_000, pausedRemainingMs: null, periodMs: 60_000 });
    expect(resumed.activity).toMatchObject({ actor: 'Cy', action: 'resume' });
  });

  it('pause and resume are refused where they mean nothing', () => {
    expectInvalid(() => pause(fresh(), T0, 'Ana'), /Nothing is running/);
    expectInvalid(() => resume(fresh(), T0, 'Ana'), /not paused/);
    const paused = pause(press(fresh(), T0, 'Ana'), T0 + 1, 'Ana');
    expectInvalid(() => pause(paused, T0 + 2, 'Ana'), /already paused/);
    expectInvalid(() => resume(press(fresh(), T0, 'Ana'), T0 + 1, 'Ana'), /not paused/);
  });

  it('reset returns to IDLE from any state and keeps the completed count', () => {
    const alarm = workDone(fresh(), T0);
    const idle = reset(pause(press(alarm, T0 + 61_000, 'Bo'), T0 + 62_000, 'Bo'), T0 + 63_000, 'Ana');
    expect(idle).toMatchObject({
      state: PomodoroState.IDLE,
      endsAt: null,
      pausedRemainingMs: null,
      completedPomodoros: 1,
      cyclesDone: 0,
      activity: { actor: 'Ana', action: 'reset', state: PomodoroState.IDLE },
    });
  });

  it('new settings apply to the next period, not the running deadline', () => {
    const work = press(fresh(), T0, 'Ana');
    const changed = changeSettings(work, { ...settings, workSeconds: 5, shortBreakSeconds: 7 }, T0 + 1000, 'Bo');
    expect(changed.endsAt).toBe(work.endsAt);
    const alarm = expireIfDue(changed, T0 + 60_000) as Pomodoro;
    expect(press(alarm, T0 + 60_000, 'Ana').endsAt).toBe(T0 + 60_000 + 7000);
  });

  it('an expiry is applied once: the expired state has nothing more due', () => {
    const alarm = workDone(fresh(), T0);
    expect(expireIfDue(alarm, T0 + 10 * 3600_000)).toBeNull();
    expect(expireIfDue(fresh(), T0)).toBeNull();
  });

  it('every change bumps the version by exactly one', () => {
    let p = fresh();
    const steps: ((x: Pomodoro) => Pomodoro)[] = [
      (x) => press(x, T0, 'A'),
      (x) => pause(x, T0 + 1, 'A'),
      (x) => resume(x, T0 + 2, 'A'),
      (x) => changeSettings(x, settings, T0 + 3, 'A'),
      (x) => reset(x, T0 + 4, 'A'),
    ];
    steps.forEach((step, i) => {
      p = step(p);
      expect(p.version).toBe(i + 1);
    });
  });
});
