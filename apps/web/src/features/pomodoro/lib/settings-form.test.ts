import { pomodoroSettingsSchema } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { draftToSettings, settingsToDraft } from './settings-form';

describe('settings form conversion', () => {
  it('shows seconds as minutes', () => {
    expect(
      settingsToDraft({ workSeconds: 1500, shortBreakSeconds: 30, longBreakSeconds: 10, cyclesBeforeLongBreak: 4 }),
    ).toEqual({ workMinutes: '25', shortBreakMinutes: '0.5', longBreakMinutes: '0.1667', cyclesBeforeLongBreak: '4' });
  });

  it('turns decimal minutes into whole seconds', () => {
    expect(
      draftToSettings({
        workMinutes: '0.5',
        shortBreakMinutes: ' 1,5 ',
        longBreakMinutes: '0.1667',
        cyclesBeforeLongBreak: '3',
      }),
    ).toEqual({ workSeconds: 30, shortBreakSeconds: 90, longBreakSeconds: 10, cyclesBeforeLongBreak: 3 });
  });

  it('round-trips every setting', () => {
    const settings = { workSeconds: 7, shortBreakSeconds: 59, longBreakSeconds: 7199, cyclesBeforeLongBreak: 12 };
    expect(draftToSettings(settingsToDraft(settings))).toEqual(settings);
  });

  it('leaves bad input for the schema to reject with a message', () => {
    const settings = draftToSettings({
      workMinutes: '',
      shortBreakMinutes: 'abc',
      longBreakMinutes: '5',
      cyclesBeforeLongBreak: '2.5',
    });
    const result = pomodoroSettingsSchema.safeParse(settings);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path[0]);
    expect(paths).toEqual(['workSeconds', 'shortBreakSeconds', 'cyclesBeforeLongBreak']);
  });
});
