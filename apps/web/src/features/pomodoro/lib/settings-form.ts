import type { PomodoroSettings } from '@huddle/protocol';

/** The settings form edits durations in minutes (decimals allowed) and cycles as a count, all as typed text. */
export interface SettingsDraft {
  workMinutes: string;
  shortBreakMinutes: string;
  longBreakMinutes: string;
  cyclesBeforeLongBreak: string;
}

export function settingsToDraft(settings: PomodoroSettings): SettingsDraft {
  return {
    workMinutes: secondsToMinutesText(settings.workSeconds),
    shortBreakMinutes: secondsToMinutesText(settings.shortBreakSeconds),
    longBreakMinutes: secondsToMinutesText(settings.longBreakSeconds),
    cyclesBeforeLongBreak: String(settings.cyclesBeforeLongBreak),
  };
}

/** Converts typed text to the command payload; anything unparsable becomes NaN for the schema to reject. */
export function draftToSettings(draft: SettingsDraft): PomodoroSettings {
  return {
    workSeconds: minutesTextToSeconds(draft.workMinutes),
    shortBreakSeconds: minutesTextToSeconds(draft.shortBreakMinutes),
    longBreakSeconds: minutesTextToSeconds(draft.longBreakMinutes),
    cyclesBeforeLongBreak: parseNumber(draft.cyclesBeforeLongBreak),
  };
}

function secondsToMinutesText(seconds: number): string {
  // At most 4 decimals keeps e.g. 10 s readable as 0.1667 while still rounding back to 10 s.
  return String(Number((seconds / 60).toFixed(4)));
}

function minutesTextToSeconds(text: string): number {
  const minutes = parseNumber(text);
  return Number.isFinite(minutes) ? Math.round(minutes * 60) : Number.NaN;
}

function parseNumber(text: string): number {
  const trimmed = text.trim().replace(',', '.');
  return trimmed === '' ? Number.NaN : Number(trimmed);
}
