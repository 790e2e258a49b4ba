import { POMODORO_LIMITS, type PomodoroSettings, pomodoroSettingsSchema } from '@huddle/protocol';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useFlashMessage } from '../../../hooks/use-flash-message';
import { useSharedDraft } from '../../../hooks/use-shared-draft';
import { usePermits } from '../../../stores/members-store';
import { savePomodoroSettings } from '../commands';
import { draftToSettings, type SettingsDraft, settingsToDraft } from '../lib/settings-form';

type DraftKey = keyof SettingsDraft;
type FieldErrors = Partial<Record<DraftKey, string>>;

const FIELDS: readonly { key: DraftKey; setting: keyof PomodoroSettings; label: string; hint: string }[] = [
  {
    key: 'workMinutes',
    setting: 'workSeconds',
    label: 'Work (minutes)',
    hint: `Up to ${POMODORO_LIMITS.workSeconds.max / 60}; 0.5 = 30 s`,
  },
  {
    key: 'shortBreakMinutes',
    setting: 'shortBreakSeconds',
    label: 'Short break (minutes)',
    hint: `Up to ${POMODORO_LIMITS.shortBreakSeconds.max / 60}`,
  },
  {
    key: 'longBreakMinutes',
    setting: 'longBreakSeconds',
    label: 'Long break (minutes)',
    hint: `Up to ${POMODORO_LIMITS.longBreakSeconds.max / 60}`,
  },
  {
    key: 'cyclesBeforeLongBreak',
    setting: 'cyclesBeforeLongBreak',
    label: 'Cycles before long break',
    hint: `${POMODORO_LIMITS.cyclesBeforeLongBreak.min} to ${POMODORO_LIMITS.cyclesBeforeLongBreak.max}`,
  },
];

function draftKeyOf(setting: unknown): DraftKey | undefined {
  return FIELDS.find((field) => field.setting === setting)?.key;
}

export function PomodoroSettingsForm({ settings }: { settings: PomodoroSettings }) {
  const id = useId();
  const incoming = useMemo(() => settingsToDraft(settings), [settings]);
  const form = useSharedDraft(incoming);
  const { draft, edited } = form;
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const feedback = useFlashMessage();
  const mayChange = usePermits('settings');

  function adopt(next: SettingsDraft) {
    form.adopt(next);
    setErrors({});
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (saving) return;
    const parsed = pomodoroSettingsSchema.safeParse(draftToSettings(draft));
    if (!parsed.success) {
      const next: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const key = draftKeyOf(issue.path[0]);
        if (key && next[key] === undefined) next[key] = issue.message;
      }
      setErrors(next);
      feedback.dismiss();
      return;
    }
    setErrors({});
    setSaving(true);
    const ack = await savePomodoroSettings(parsed.data);
    setSaving(false);
    if (ack.ok) {
      adopt(settingsToDraft(ack.data.settings));
      feedback.show('Settings saved', 'info');
      return;
    }
    const key = draftKeyOf(ack.error.field);
    if (key) setErrors({ [key]: ack.error.message });
    else feedback.show(ack.error.message);
  }

  return (
    <form className="settings-form" onSubmit={handleSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h3 className="settings-form__title" id={`${id}-title`}>
        Settings
      </h3>
      <div className="settings-form__fields">
        {FIELDS.map((field) => (
          <Field
            key={field.key}
            id={`${id}-${field.key}`}
            label={field.label}
            name={field.key}
            type="number"
            inputMode={field.key === 'cyclesBeforeLongBreak' ? 'numeric' : 'decimal'}
            step={field.key === 'cyclesBeforeLongBreak' ? 1 : 'any'}
            min={field.key === 'cyclesBeforeLongBreak' ? 1 : 0}
            value={draft[field.key]}
            onChange={(event) => form.edit(field.key, event.target.value)}
            error={errors[field.key]}
            hint={field.hint}
            disabled={!mayChange}
          />
        ))}
      </div>
      {form.changedElsewhere && (
        <p className="settings-form__notice">
          Someone else changed these settings while you were editing.{' '}
          <button type="button" className="link-button" onClick={() => adopt(incoming)}>
            Show theirs
          </button>
        </p>
      )}
      {!mayChange && <p className="settings-form__notice">An admin locked these settings: ask one of them.</p>}
      <div className="settings-form__actions">
        <button type="submit" className="button button--primary" disabled={saving || !mayChange}>
          Save settings
        </button>
        {edited && (
          <button type="button" className="button button--ghost" onClick={() => adopt(incoming)}>
            Cancel
          </button>
        )}
      </div>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </form>
  );
}
