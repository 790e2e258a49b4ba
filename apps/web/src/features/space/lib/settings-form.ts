import { SPACE_LIMITS, type SpaceSettings } from '@huddle/protocol';
import type { DraftFields } from '../../../lib/shared-draft';
import type { SpaceSettingsPatch } from '../commands';

export type SettingsField = 'visibility' | 'locked' | 'readingDays' | 'keepMessages' | 'messageDays';
export type SettingsDraft = DraftFields<SettingsField>;

/** What the message-retention field shows while messages are kept: a year, the usual first choice. */
const SUGGESTED_MESSAGE_DAYS = 365;

/** The space's settings as the form's fields (all text, as typed). */
export function settingsToFields(settings: SpaceSettings): SettingsDraft {
  return {
    visibility: settings.visibility,
    locked: String(settings.lockSharedSettings),
    readingDays: String(settings.readingRetentionDays),
    keepMessages: String(settings.messageRetentionDays === null),
    messageDays: String(settings.messageRetentionDays ?? SUGGESTED_MESSAGE_DAYS),
  };
}

type SettingsFormResult =
  | { ok: true; patch: SpaceSettingsPatch | null }
  | { ok: false; errors: Partial<Record<SettingsField, string>> };

/** The change the form asks for, only what differs from `current`; null when nothing does. */
export function settingsPatch(draft: SettingsDraft, current: SpaceSettings): SettingsFormResult {
  const errors: Partial<Record<SettingsField, string>> = {};
  const readingDays = parseDays(draft.readingDays);
  if (readingDays === null) errors.readingDays = daysError;
  const keepMessages = draft.keepMessages === 'true';
  const messageDays = keepMessages ? null : parseDays(draft.messageDays);
  if (!keepMessages && messageDays === null) errors.messageDays = daysError;
  if (Object.keys(errors).length > 0 || readingDays === null) return { ok: false, errors };

  const patch: SpaceSettingsPatch = {};
  const visibility = draft.visibility === 'open' ? 'open' : 'private';
  if (visibility !== current.visibility) patch.visibility = visibility;
  const locked = draft.locked === 'true';
  if (locked !== current.lockSharedSettings) patch.lockSharedSettings = locked;
  if (readingDays !== current.readingRetentionDays) patch.readingRetentionDays = readingDays;
  if (messageDays !== current.messageRetentionDays) patch.messageRetentionDays = messageDays;
  return { ok: true, patch: Object.keys(patch).length === 0 ? null : patch };
}

const daysError = `Enter whole days from 1 to ${SPACE_LIMITS.maxRetentionDays}`;

function parseDays(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const days = Number(text);
  return days >= 1 && days <= SPACE_LIMITS.maxRetentionDays ? days : null;
}
