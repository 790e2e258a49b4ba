import type { SensorThresholds as Thresholds } from '@huddle/protocol';
import { SENSOR_LIMITS } from '@huddle/protocol';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { Field } from '../../../components/ui/field';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { useSharedDraft } from '../../../hooks/use-shared-draft';
import { usePermits } from '../../../stores/members-store';
import { setThresholds } from '../commands';
import { formatLimit, formatPlain, type TemperatureUnit, temperatureLimits, unitSymbol } from '../lib/format';
import {
  FIELD_OF_SETTING,
  parseThresholdDraft,
  switchUnit,
  type ThresholdDraft,
  type ThresholdErrors,
  type ThresholdField,
  thresholdsToDraft,
} from '../lib/threshold-form';
import { useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';

/** The space's alarm thresholds and the form to change them. */
export function SensorThresholds() {
  const thresholds = useSensorStore((s) => s.thresholds);
  const unit = useSensorUnitStore((s) => s.unit);
  if (thresholds === null) return null;
  return <ThresholdsView thresholds={thresholds} unit={unit} />;
}

function ThresholdsView({ thresholds, unit }: { thresholds: Thresholds; unit: TemperatureUnit }) {
  const id = useId();
  const incoming = useMemo(() => thresholdsToDraft(thresholds, unit), [thresholds, unit]);
  const form = useSharedDraft(incoming);
  const [formUnit, setFormUnit] = useState(unit);
  const [errors, setErrors] = useState<ThresholdErrors>({});
  const command = useCommand();

  // Adjusted while rendering, so a change of unit never shows stale fields (the space's changes the hook follows).
  if (formUnit !== unit) {
    setFormUnit(unit);
    form.replace(switchUnit(form.state, incoming, formUnit, unit));
    // A temperature message names the old unit.
    setErrors(({ humidity }) => ({ humidity }));
  }
  const { draft } = form;

  function adopt(next: ThresholdDraft) {
    form.adopt(next);
    setErrors({});
  }

  function edit(field: ThresholdField, value: string) {
    form.edit(field, value);
    setErrors({ ...errors, [field]: undefined });
  }

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = parseThresholdDraft(draft, unit, thresholds);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      command.feedback.dismiss();
      return;
    }
    setErrors({});
    const ack = await command.run(() => setThresholds(parsed.thresholds));
    if (ack === null) return;
    if (ack.ok) {
      adopt(thresholdsToDraft(ack.data, unit));
      command.feedback.show('Alarms set', 'info');
      return;
    }
    const field = ack.error.field === undefined ? undefined : FIELD_OF_SETTING[ack.error.field];
    if (field !== undefined) {
      setErrors({ [field]: ack.error.message });
      command.feedback.dismiss();
    }
  }

  const limits = temperatureLimits(unit);
  const symbol = unitSymbol(unit);
  const mayChange = usePermits('settings');

  return (
    <section className="sensor-thresholds" aria-labelledby={`${id}-title`}>
      <h3 className="sensor-section-title" id={`${id}-title`}>
        Alarm thresholds
      </h3>
      <dl className="sensor-thresholds__current">
        <div className="sensor-thresholds__limit">
          <dt>Humidity above</dt>
          <dd data-testid="threshold-humidity">{formatLimit('humidity', thresholds.humidityMax, unit)}</dd>
        </div>
        <div className="sensor-thresholds__limit">
          <dt>Temperature above</dt>
          <dd data-testid="threshold-temperature">{formatLimit('temperature', thresholds.temperatureMax, unit)}</dd>
        </div>
      </dl>
      <form className="sensor-thresholds__form" onSubmit={handleSubmit} noValidate aria-labelledby={`${id}-title`}>
        <div className="sensor-thresholds__fields">
          <Field
            id={`${id}-humidity`}
            label="Humidity alarm (%)"
            name="humidityMax"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={draft.humidity}
            onChange={(event) => edit('humidity', event.target.value)}
            error={errors.humidity}
            hint={`${SENSOR_LIMITS.humidity.min} to ${SENSOR_LIMITS.humidity.max}`}
            disabled={!mayChange}
          />
          <Field
            id={`${id}-temperature`}
            label={`Temperature alarm (${symbol})`}
            name="temperatureMax"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            value={draft.temperature}
            onChange={(event) => edit('temperature', event.target.value)}
            error={errors.temperature}
            hint={`${formatPlain(limits.min)} to ${formatPlain(limits.max)}`}
            disabled={!mayChange}
          />
        </div>
        {form.changedElsewhere && (
          <p className="settings-form__notice">
            Someone else changed the thresholds while you were editing.{' '}
            <button type="button" className="link-button" onClick={() => adopt(incoming)}>
              Show theirs
            </button>
          </p>
        )}
        {!mayChange && <p className="settings-form__notice">An admin locked the alarm settings: ask one of them.</p>}
        <div className="settings-form__actions">
          <button type="submit" className="button button--primary" disabled={command.pending || !mayChange}>
            Set alarms
          </button>
          {form.edited && (
            <button type="button" className="button button--ghost" onClick={() => adopt(incoming)}>
              Cancel
            </button>
          )}
        </div>
      </form>
      <InlineAlert flash={command.feedback.flash} onDismiss={command.feedback.dismiss} />
    </section>
  );
}
