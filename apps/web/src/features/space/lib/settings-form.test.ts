import type { SpaceSettings } from '@huddle/protocol';
import { describe, expect, it } from 'vitest';
import { settingsPatch, settingsToFields } from './settings-form';

const settings: SpaceSettings = {
  visibility: 'private',
  lockSharedSettings: false,
  readingRetentionDays: 90,
  messageRetentionDays: null,
};

describe('space settings form', () => {
  it('asks for nothing when nothing changed', () => {
    expect(settingsPatch(settingsToFields(settings), settings)).toEqual({ ok: true, patch: null });
  });

  it('sends only the fields that changed', () => {
    const draft = { ...settingsToFields(settings), visibility: 'open', locked: 'true', readingDays: ' 30 ' };
    expect(settingsPatch(draft, settings)).toEqual({
      ok: true,
      patch: { visibility: 'open', lockSharedSettings: true, readingRetentionDays: 30 },
    });
  });

  it('turns message retention on with a number of days, and off with null', () => {
    const on = { ...settingsToFields(settings), keepMessages: 'false', messageDays: '14' };
    expect(settingsPatch(on, settings)).toEqual({ ok: true, patch: { messageRetentionDays: 14 } });
    const kept = { ...settings, messageRetentionDays: 14 };
    const off = { ...settingsToFields(kept), keepMessages: 'true' };
    expect(settingsPatch(off, kept)).toEqual({ ok: true, patch: { messageRetentionDays: null } });
  });

  it('refuses days that are not whole, or out of range, naming the field', () => {
    const bad = { ...settingsToFields(settings), readingDays: '0', keepMessages: 'false', messageDays: '2.5' };
    const result = settingsPatch(bad, settings);
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.errors).sort()).toEqual(['messageDays', 'readingDays']);
    // While messages are kept, their days field is not read.
    expect(settingsPatch({ ...settingsToFields(settings), messageDays: 'x' }, settings).ok).toBe(true);
  });
});
