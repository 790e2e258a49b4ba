import { z } from 'zod';

/** Numeric values are part of the protocol (DESIGN.md): never renumber. */
export const PomodoroState = {
  IDLE: 0,
  WORK: 1,
  BREAK_ALARM: 2,
  SHORT_BREAK: 3,
  WORK_ALARM: 4,
  LONG_BREAK: 5,
} as const;
export type PomodoroState = (typeof PomodoroState)[keyof typeof PomodoroState];

export const POMODORO_MESSAGES: Readonly<Record<PomodoroState, string>> = {
  [PomodoroState.IDLE]: 'Press Me!',
  [PomodoroState.WORK]: 'Work',
  [PomodoroState.BREAK_ALARM]: 'Break time',
  [PomodoroState.SHORT_BREAK]: 'Short Break',
  [PomodoroState.WORK_ALARM]: 'Back to work',
  [PomodoroState.LONG_BREAK]: 'Long break time',
};

/** States that run against a deadline (and can be paused). */
export const TIMED_STATES: readonly PomodoroState[] = [
  PomodoroState.WORK,
  PomodoroState.SHORT_BREAK,
  PomodoroState.LONG_BREAK,
];

/** States that ring until somebody presses. */
export const ALARM_STATES: readonly PomodoroState[] = [PomodoroState.BREAK_ALARM, PomodoroState.WORK_ALARM];

export const POMODORO_LIMITS = {
  workSeconds: { min: 1, max: 4 * 3600 },
  shortBreakSeconds: { min: 1, max: 3600 },
  longBreakSeconds: { min: 1, max: 2 * 3600 },
  cyclesBeforeLongBreak: { min: 1, max: 12 },
} as const;

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** "90 seconds", "4 hours", "25 minutes": limits read the way people set them. */
export function formatDuration(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

function boundedInt(label: string, { min, max }: { min: number; max: number }, format: (n: number) => string) {
  return z
    .number({ error: `${label} must be a number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${format(min)}`)
    .max(max, `${label} must be at most ${format(max)}`);
}

const cycles = (n: number) => plural(n, 'cycle');

export const pomodoroSettingsSchema = z.strictObject({
  workSeconds: boundedInt('Work', POMODORO_LIMITS.workSeconds, formatDuration),
  shortBreakSeconds: boundedInt('Short break', POMODORO_LIMITS.shortBreakSeconds, formatDuration),
  longBreakSeconds: boundedInt('Long break', POMODORO_LIMITS.longBreakSeconds, formatDuration),
  cyclesBeforeLongBreak: boundedInt('Cycles', POMODORO_LIMITS.cyclesBeforeLongBreak, cycles),
});
export type PomodoroSettings = z.infer<typeof pomodoroSettingsSchema>;

export const DEFAULT_POMODORO_SETTINGS: PomodoroSettings = {
  workSeconds: 25 * 60,
  shortBreakSeconds: 5 * 60,
  longBreakSeconds: 15 * 60,
  cyclesBeforeLongBreak: 4,
};

export const pomodoroStateSchema = z.literal(Object.values(PomodoroState)).meta({
  description: Object.entries(PomodoroState)
    .map(([name, n]) => `${n} ${name} "${POMODORO_MESSAGES[n]}"`)
    .join(', '),
});

export const pomodoroActionSchema = z.enum(['press', 'pause', 'resume', 'reset', 'settings', 'expire']);
export type PomodoroAction = z.infer<typeof pomodoroActionSchema>;

export const pomodoroActivitySchema = z.object({
  actor: z.string().nullable().meta({ description: 'Display name of who did it; null when the timer itself expired.' }),
  action: pomodoroActionSchema,
  state: pomodoroStateSchema.meta({ description: 'The state the action led to.' }),
  at: z.number().int(),
});
export type PomodoroActivity = z.infer<typeof pomodoroActivitySchema>;

export const pomodoroSnapshotSchema = z.object({
  space: z.string(),
  state: pomodoroStateSchema,
  endsAt: z.number().int().nullable().meta({
    description: 'Absolute deadline in server epoch ms while a timed state runs; null otherwise (and while paused).',
  }),
  pausedRemainingMs: z
    .number()
    .nullable()
    .meta({ description: 'Time left in a paused timed state; null unless paused.' }),
  periodMs: z.number().nullable().meta({
    description: 'Full length of the current timed period, for the progress ring; null outside timed states.',
  }),
  completedPomodoros: z.number().int().meta({ description: 'Work periods completed since the space was created.' }),
  cyclesDone: z.number().int().meta({ description: 'Work periods completed since the last long break.' }),
  settings: pomodoroSettingsSchema,
  activity: pomodoroActivitySchema.nullable(),
  version: z
    .number()
    .int()
    .meta({ description: 'Increases by one with every change; lets clients drop stale snapshots.' }),
});
export type PomodoroSnapshot = z.infer<typeof pomodoroSnapshotSchema>;

/** The line under the tomato: "Ana pressed: Work". */
export function describeActivity(activity: PomodoroActivity): string {
  const message = POMODORO_MESSAGES[activity.state];
  switch (activity.action) {
    case 'press':
      return `${activity.actor} pressed: ${message}`;
    case 'pause':
      return `${activity.actor} paused: ${message}`;
    case 'resume':
      return `${activity.actor} resumed: ${message}`;
    case 'reset':
      return `${activity.actor} reset the timer`;
    case 'settings':
      return `${activity.actor} changed the settings`;
    case 'expire':
      return `Time is up: ${message}`;
  }
}
