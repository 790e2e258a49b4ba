import type { SensorQuantity, SensorStatus } from '@huddle/protocol';
import { useShallow } from 'zustand/react/shallow';
import { useServerNow } from '../../../hooks/use-server-now';
import { formatAge, formatHumidity, formatStatus, formatTemperature } from '../lib/format';
import { selectNewestReading, selectSelectedSummary, useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';

const NO_DATA: SensorStatus = { level: 'no-data' };

/**
 * The newest reading of the sensor on screen, how old it is, and its alarm status. It reads those two by
 * value rather than the whole summary, so a summary sent again unchanged (the board after a reconnect)
 * renders nothing, except in alarm: the breach list always arrives as a new array.
 */
export function SensorReadout() {
  const newest = useSensorStore(useShallow(selectNewestReading));
  const status = useSensorStore(useShallow((s) => selectSelectedSummary(s)?.status ?? NO_DATA));
  const unit = useSensorUnitStore((s) => s.unit);
  const breached = (quantity: SensorQuantity) =>
    status.level === 'alarm' && status.breaches.some((b) => b.quantity === quantity);

  return (
    <div className="sensor-readout">
      <dl className="sensor-readout__values">
        <div className={`sensor-value${breached('humidity') ? ' sensor-value--alarm' : ''}`}>
          <dt>
            Humidity
            {breached('humidity') && <AboveLimit />}
          </dt>
          <dd data-testid="current-humidity">{newest ? formatHumidity(newest.humidity) : '—'}</dd>
        </div>
        <div className={`sensor-value${breached('temperature') ? ' sensor-value--alarm' : ''}`}>
          <dt>
            Temperature
            {breached('temperature') && <AboveLimit />}
          </dt>
          <dd data-testid="current-temperature">{newest ? formatTemperature(newest.temperature, unit) : '—'}</dd>
        </div>
        <div className="sensor-value sensor-value--quiet">
          <dt>Updated</dt>
          <dd data-testid="current-age">{newest ? <ReadingAge at={newest.at} /> : 'never'}</dd>
        </div>
      </dl>
      <StatusLine status={status} text={formatStatus(status, unit)} />
      <OtherAlarms />
    </div>
  );
}

/** Marks a value in alarm in words as well as in red. */
function AboveLimit() {
  return <span className="sensor-value__flag">above limit</span>;
}

/** Ticks on its own, so the rest of the readout renders only when a reading arrives. */
function ReadingAge({ at }: { at: number }) {
  const now = useServerNow(1000);
  return <time dateTime={new Date(at).toISOString()}>{formatAge(now - at)}</time>;
}

function StatusLine({ status, text }: { status: SensorStatus; text: string }) {
  return (
    <>
      <p className={`sensor-status sensor-status--${status.level}`} data-testid="sensor-status">
        <StatusIcon level={status.level} />
        <span>{text}</span>
      </p>
      {/* The visible line changes with every reading; only a change of level is worth announcing. */}
      <p className="visually-hidden" aria-live="polite">
        {status.level === 'alarm' ? 'Sensor alarm' : status.level === 'ok' ? 'Sensor readings within limits' : ''}
      </p>
    </>
  );
}

function StatusIcon({ level }: { level: SensorStatus['level'] }) {
  return (
    <svg className="sensor-status__icon" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      {level === 'alarm' && (
        <>
          <path d="M10 2.5 18.5 17h-17z" className="sensor-status__shape" />
          <path d="M10 8v4.2M10 14.4v.1" className="sensor-status__mark" />
        </>
      )}
      {level === 'ok' && (
        <>
          <circle cx="10" cy="10" r="8" className="sensor-status__shape" />
          <path d="m6.2 10.2 2.6 2.6 5-5.4" className="sensor-status__mark" />
        </>
      )}
      {level === 'no-data' && <circle cx="10" cy="10" r="7" className="sensor-status__ring" />}
    </svg>
  );
}

/** Other sensors ringing while one is on screen: one click away rather than unseen. */
function OtherAlarms() {
  const others = useSensorStore(
    useShallow((s) =>
      s.order.filter((id) => id !== s.selectedSensorId && s.summaries[id]?.status.level === 'alarm').sort(),
    ),
  );
  if (others.length === 0) return null;
  return (
    <p className="sensor-readout__others">
      Also in alarm:{' '}
      {others.map((id, index) => (
        <span key={id}>
          {index > 0 && ', '}
          <button type="button" className="link-button" onClick={() => useSensorStore.getState().selectSensor(id)}>
            {id}
          </button>
        </span>
      ))}
    </p>
  );
}
