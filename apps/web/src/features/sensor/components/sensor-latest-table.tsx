import { SENSOR_LIMITS } from '@huddle/protocol';
import { memo } from 'react';
import { formatTime, fromFahrenheit, roundTo, type TemperatureUnit, unitSymbol } from '../lib/format';
import { readingKeys } from '../lib/reading-keys';
import { selectSelectedSummary, useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';

/** The newest readings of the sensor on screen, newest first. */
export function SensorLatestTable() {
  const latest = useSensorStore((s) => selectSelectedSummary(s)?.latest);
  const unit = useSensorUnitStore((s) => s.unit);
  const keys = latest === undefined ? [] : readingKeys(latest);

  return (
    <div className="sensor-table-wrap">
      <table className="sensor-table sensor-table--latest" aria-label={`Last ${SENSOR_LIMITS.latestCount} values`}>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col" className="sensor-table__number">
              Humidity (%)
            </th>
            <th scope="col" className="sensor-table__number">
              Temperature ({unitSymbol(unit)})
            </th>
          </tr>
        </thead>
        <tbody>
          {latest === undefined || latest.length === 0 ? (
            <tr>
              <td colSpan={3} className="sensor-table__empty">
                No readings yet
              </td>
            </tr>
          ) : (
            latest.map(({ at, humidity, temperature }, index) => (
              <ReadingRow key={keys[index]} at={at} humidity={humidity} temperature={temperature} unit={unit} />
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

interface ReadingRowProps {
  at: number;
  humidity: number;
  /** °F */
  temperature: number;
  unit: TemperatureUnit;
}

/**
 * One reading. Props are plain values, as every update carries new reading objects: a new reading then
 * renders its own row, and the rows it pushes down render nothing.
 */
const ReadingRow = memo(function ReadingRow({ at, humidity, temperature, unit }: ReadingRowProps) {
  return (
    <tr>
      <td>
        <time dateTime={new Date(at).toISOString()}>{formatTime(at)}</time>
      </td>
      <td className="sensor-table__number">{roundTo(humidity, 1).toFixed(1)}</td>
      <td className="sensor-table__number">{roundTo(fromFahrenheit(temperature, unit), 1).toFixed(1)}</td>
    </tr>
  );
});
