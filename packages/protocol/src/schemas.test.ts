import { describe, expect, it } from 'vitest';
import { displayNameSchema, spaceSlugSchema } from './schemas/common.js';
import {
  describeActivity,
  formatDuration,
  POMODORO_MESSAGES,
  PomodoroState,
  pomodoroSettingsSchema,
} from './schemas/pomodoro.js';
import { illFormedPath } from './well-formed.js';

describe('space slugs', () => {
  it.each(['a', 'team-a', '0-9', 'x'.repeat(40)])('accepts %s', (slug) => {
    expect(spaceSlugSchema.safeParse(slug).success).toBe(true);
  });
  it.each(['', 'Team', 'a b', 'a_b', 'ä', '../x', 'x'.repeat(41), 42, null])('refuses %s', (slug) => {
    expect(spaceSlugSchema.safeParse(slug).success).toBe(false);
  });
});

describe('display names', () => {
  it('trims and collapses whitespace', () => {
    expect(displayNameSchema.parse('  Ana \t  Lee ')).toBe('Ana Lee');
  });
  it.each([
    ['', /Choose a name/],
    ['    ', /Choose a name/],
    ['x'.repeat(33), /at most 32/],
    ['a\u0000b', /control characters/],
    ['a\u202Eb', /control characters/],
    ['Ana\u3164', /invisible or blank/],
    ['\u3164', /invisible or blank/],
    ['A\u200Bna', /control characters/],
    ['Ana\u2800', /invisible or blank/],
    ['Ana\uFE0F', /invisible or blank/],
    ['Ana\u115F', /invisible or blank/],
    ['Ana\u{E0041}', /control characters|invisible or blank/],
    ['\u0301\u0301', /visible letter/],
  ])('refuses %j', (name, message) => {
    const result = displayNameSchema.safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });
});

describe('display names people can tell apart', () => {
  it.each(['Ana', 'José', 'Zoë Ng', '李小龙', 'Ana ❤️', 'Ana ✌︎', "O'Brien"])('accepts %j', (name) => {
    expect(displayNameSchema.safeParse(name).success).toBe(true);
  });
});

describe('well-formed UTF-16', () => {
  it('finds the first lone surrogate at any depth, in a value or a key', () => {
    expect(illFormedPath({ a: ['ok', { b: 'x\uD800' }] })).toEqual(['a', 1, 'b']);
    expect(illFormedPath({ 'k\uDC00': 1 })).toEqual(['k\uDC00']);
    expect(illFormedPath('\uDFFF')).toEqual([]);
    expect(illFormedPath({ a: 'pair \uD83D\uDE00', n: 1, z: null, t: true })).toBeNull();
  });

  it('walks a deeply nested payload without overflowing the stack', () => {
    let deep: unknown = 'x\uD800';
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(illFormedPath(deep)).toHaveLength(200_000);
  });
});

describe('pomodoro states', () => {
  it('keeps the protocol numbering and the tutorial messages', () => {
    expect(PomodoroState).toEqual({ IDLE: 0, WORK: 1, BREAK_ALARM: 2, SHORT_BREAK: 3, WORK_ALARM: 4, LONG_BREAK: 5 });
    expect(Object.values(POMODORO_MESSAGES)).toEqual([
      'Press Me!',
      'Work',
      'Break time',
      'Short Break',
      'Back to work',
      'Long break time',
    ]);
  });

  it('describes activity the way the room reads it', () => {
    const at = 0;
    expect(describeActivity({ actor: 'Ana', action: 'press', state: PomodoroState.WORK, at })).toBe(
      'Ana pressed: Work',
    );
    expect(describeActivity({ actor: null, action: 'expire', state: PomodoroState.BREAK_ALARM, at })).toBe(
      'Time is up: Break time',
    );
    expect(describeActivity({ actor: 'Bo', action: 'reset', state: PomodoroState.IDLE, at })).toBe(
      'Bo reset the timer',
    );
  });

  it('formats limits as people set them', () => {
    expect(formatDuration(1)).toBe('1 second');
    expect(formatDuration(90)).toBe('90 seconds');
    expect(formatDuration(300)).toBe('5 minutes');
    expect(formatDuration(14400)).toBe('4 hours');
  });
});

describe('pomodoro settings validation', () => {
  const valid = { workSeconds: 1500, shortBreakSeconds: 300, longBreakSeconds: 900, cyclesBeforeLongBreak: 4 };

  it('accepts sane settings', () => {
    expect(pomodoroSettingsSchema.parse(valid)).toEqual(valid);
  });

  it.each([
    [{ workSeconds: 0 }, 'workSeconds', /at least 1 second$/],
    [{ workSeconds: 4 * 3600 + 1 }, 'workSeconds', /at most/],
    [{ shortBreakSeconds: 1.5 }, 'shortBreakSeconds', /whole number/],
    [{ longBreakSeconds: '900' }, 'longBreakSeconds', /must be a number/],
    [{ cyclesBeforeLongBreak: 13 }, 'cyclesBeforeLongBreak', /at most 12 cycles/],
    [{ cyclesBeforeLongBreak: Number.NaN }, 'cyclesBeforeLongBreak', /number/],
    [{ workSeconds: Number.POSITIVE_INFINITY }, 'workSeconds', /.+/],
  ])('refuses %o naming the field', (patch, field, message) => {
    const result = pomodoroSettingsSchema.safeParse({ ...valid, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it('refuses unknown and missing fields', () => {
    expect(pomodoroSettingsSchema.safeParse({ ...valid, __proto__: { x: 1 }, extra: 1 }).success).toBe(false);
    const { workSeconds: _w, ...missing } = valid;
    expect(pomodoroSettingsSchema.safeParse(missing).success).toBe(false);
  });
});
