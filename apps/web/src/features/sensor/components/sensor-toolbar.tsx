import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { addRandomReadings } from '../commands';
import { TEMPERATURE_UNITS, unitSymbol } from '../lib/format';
import { useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';
import { ChoiceGroup } from './choice-group';
import { SensorDelete } from './sensor-delete';

const UNIT_OPTIONS = TEMPERATURE_UNITS.map((unit) => ({ value: unit, label: unitSymbol(unit) }));

/** Which sensor is on screen, the unit, the buttons that feed it random readings, and (admins) its deletion. */
export function SensorToolbar() {
  const selectId = useId();
  // Sorted by name: the board's activity order would shuffle the options under the pointer.
  const sensorIds = useSensorStore(useShallow((s) => [...s.order].sort()));
  const selected = useSensorStore((s) => s.selectedSensorId);
  const unit = useSensorUnitStore((s) => s.unit);
  const { selectSensor } = useSensorStore.getState();
  const { setUnit } = useSensorUnitStore.getState();
  const random = useCommand();

  return (
    <div className="sensor-toolbar">
      <div className="sensor-toolbar__row">
        {sensorIds.length > 0 && (
          <div className="sensor-toolbar__sensor">
            <label className="field__label" htmlFor={selectId}>
              Sensor
            </label>
            <select
              id={selectId}
              className="sensor-select"
              value={selected ?? ''}
              onChange={(event) => selectSensor(event.target.value)}
            >
              {sensorIds.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </div>
        )}
        <ChoiceGroup legend="Temperature unit" options={UNIT_OPTIONS} value={unit} onChange={setUnit} />
        <div className="sensor-toolbar__actions">
          <button
            type="button"
            className="button"
            disabled={random.pending}
            onClick={() => void random.run(() => addRandomReadings(1))}
          >
            1 Random Value
          </button>
          <button
            type="button"
            className="button button--primary"
            disabled={random.pending}
            onClick={() => void random.run(() => addRandomReadings(10))}
          >
            10 Random Values
          </button>
        </div>
      </div>
      <InlineAlert flash={random.feedback.flash} onDismiss={random.feedback.dismiss} />
      <SensorDelete />
    </div>
  );
}
