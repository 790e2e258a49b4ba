import type { Role, SpaceSettings } from '@huddle/protocol';
import { type FormEvent, useId, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { useSharedDraft } from '../../../hooks/use-shared-draft';
import { useMembersStore } from '../../../stores/members-store';
import { deleteSpace, type ExportFormat, exportSpace, saveSpaceSettings } from '../commands';
import { type SettingsField, settingsPatch, settingsToFields } from '../lib/settings-form';
import { DialogSection } from './dialog-section';

/** The space's settings, its export and (for the owner) its deletion: admins only. */
export function SpaceSettingsPanel({ space, role }: { space: string; role: Role }) {
  const settings = useMembersStore((s) => s.settings);
  return (
    <div className="space-settings">
      {settings === null ? <p className="space-dialog__muted">Loading…</p> : <SettingsForm settings={settings} />}
      <ExportSection />
      {role === 'owner' && <DeleteSection space={space} />}
    </div>
  );
}

function SettingsForm({ settings }: { settings: SpaceSettings }) {
  const id = useId();
  const { draft, edited, changedElsewhere, edit, adopt } = useSharedDraft(settingsToFields(settings));
  const [errors, setErrors] = useState<Partial<Record<SettingsField, string>>>({});
  const { pending, run, feedback } = useCommand();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = settingsPatch(draft, settings);
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setErrors({});
    const { patch } = result;
    if (patch === null) return;
    const ack = await run(() => saveSpaceSettings(patch));
    if (ack?.ok) {
      adopt(settingsToFields(ack.data));
      feedback.show('Settings saved', 'info');
    }
  }

  const radio = (field: SettingsField, value: string, label: string, hint: string) => (
    <label className="option">
      <input
        type="radio"
        name={`${id}-${field}`}
        value={value}
        checked={draft[field] === value}
        onChange={() => edit(field, value)}
      />
      <span className="option__text">
        <span className="option__label">{label}</span>
        <span className="option__hint">{hint}</span>
      </span>
    </label>
  );

  return (
    <form className="space-settings__form" onSubmit={onSubmit} noValidate aria-label="Space settings">
      <fieldset className="option-group">
        <legend className="field__label">Who can join</legend>
        {radio('visibility', 'private', 'Private', 'Only people you invite')}
        {radio('visibility', 'open', 'Open', 'Anyone with the link')}
      </fieldset>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={draft.locked === 'true'}
          onChange={(event) => edit('locked', String(event.target.checked))}
        />
        Only admins change the pomodoro settings and alarm thresholds
      </label>
      <Field
        id={`${id}-reading-days`}
        className="space-settings__days"
        label="Keep sensor readings for (days)"
        inputMode="numeric"
        value={draft.readingDays}
        onChange={(event) => edit('readingDays', event.target.value)}
        error={errors.readingDays}
      />
      <fieldset className="option-group">
        <legend className="field__label">Chat messages</legend>
        {radio('keepMessages', 'true', 'Keep', 'Messages stay until someone deletes them')}
        {radio('keepMessages', 'false', 'Delete old messages', 'After the number of days below')}
      </fieldset>
      {draft.keepMessages === 'false' && (
        <Field
          id={`${id}-message-days`}
          className="space-settings__days"
          label="Delete messages older than (days)"
          inputMode="numeric"
          value={draft.messageDays}
          onChange={(event) => edit('messageDays', event.target.value)}
          error={errors.messageDays}
        />
      )}
      {changedElsewhere && (
        <p className="settings-form__notice">
          Someone else changed these settings while you were editing.{' '}
          <button type="button" className="link-button" onClick={() => adopt(settingsToFields(settings))}>
            Show theirs
          </button>
        </p>
      )}
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
      <div className="settings-form__actions">
        <button type="submit" className="button button--primary" disabled={pending || !edited}>
          {pending ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}

function ExportSection() {
  const { pending, run, feedback } = useCommand();
  const download = async (format: ExportFormat) => {
    const ack = await run(() => exportSpace(format));
    if (ack?.ok) feedback.show(`Downloaded ${ack.data.fileName}`, 'info');
  };
  return (
    <DialogSection title="Export">
      <p className="space-dialog__muted">
        Everything in the space: settings, people, channels and messages, sensors and readings.
      </p>
      <div className="settings-form__actions">
        <button type="button" className="button button--small" disabled={pending} onClick={() => download('ndjson')}>
          Download NDJSON
        </button>
        <button type="button" className="button button--small" disabled={pending} onClick={() => download('json')}>
          Download JSON
        </button>
      </div>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </DialogSection>
  );
}

function DeleteSection({ space }: { space: string }) {
  const id = useId();
  const [typed, setTyped] = useState('');
  const { pending, run, feedback } = useCommand();
  const matches = typed.trim() === space;
  return (
    <DialogSection title="Delete space" className="space-settings__danger">
      <p className="space-dialog__muted">
        Deletes every message, sensor and reading for good, and closes everyone’s tabs. This cannot be undone.
      </p>
      <form
        className="space-settings__delete"
        onSubmit={(event) => {
          event.preventDefault();
          if (matches) void run(() => deleteSpace(typed.trim()));
        }}
      >
        <Field
          id={`${id}-confirm`}
          label={`Type ${space} to confirm`}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          value={typed}
          onChange={(event) => setTyped(event.target.value)}
        />
        <button type="submit" className="button button--danger-solid" disabled={!matches || pending}>
          {pending ? 'Deleting…' : 'Delete this space'}
        </button>
      </form>
      <InlineAlert flash={feedback.flash} onDismiss={feedback.dismiss} />
    </DialogSection>
  );
}
