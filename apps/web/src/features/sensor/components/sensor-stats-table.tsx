import type { MinMaxAvg } from '@huddle/protocol';
import { SENSOR_LIMITS } from '@huddle/protocol';
import { formatHumidity, formatTemperature, type TemperatureUnit } from '../lib/format';
import { selectSelectedSummary, useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';

const ROWS: readonly { key: keyof MinMaxAvg; label: string }[] = [
  { key: 'avg', label: 'Average' },
  { key: 'max', label: 'Maximum' },
  { key: 'min', label: 'Minimum' },
];

/**
 * Average, maximum and minimum of the newest readings, as the server computed them. Each part reads the
 * plain numbers it shows, so an update renders only the figures that changed.
 */
export function SensorStatsTable() {
  const count = useSensorStore((s) => selectSelectedSummary(s)?.stats?.count ?? null);
  const unit = useSensorUnitStore((s) => s.unit);
  const fewer = count !== null && count < SENSOR_LIMITS.latestCount;

  return (
    <div className="sensor-table-wrap">
      {/* Spelled out: "last 10 values" would also match the readings table's name, which tests find by substring. */}
      <table className="sensor-table" aria-label="Stats of the last ten values">
        {fewer && (
          <caption className="sensor-table__caption">
            Of {count} {count === 1 ? 'reading' : 'readings'} so far
          </caption>
        )}
        <thead>
          <tr>
            <td />
            <th scope="col" className="sensor-table__number">
              Humidity
            </th>
            <th scope="col" className="sensor-table__number">
              Temperature
            </th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map(({ key, label }) => (
            <StatsRow key={key} stat={key} label={label} unit={unit} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StatsRow({ stat, label, unit }: { stat: keyof MinMaxAvg; label: string; unit: TemperatureUnit }) {
  const humidity = useSensorStore((s) => selectSelectedSummary(s)?.stats?.humidity[stat] ?? null);
  const temperature = useSensorStore((s) => selectSelectedSummary(s)?.stats?.temperature[stat] ?? null);
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className="sensor-table__number" data-testid={`stat-humidity-${stat}`}>
        {humidity === null ? '—' : formatHumidity(humidity)}
      </td>
      <td className="sensor-table__number" data-testid={`stat-temperature-${stat}`}>
        {temperature === null ? '—' : formatTemperature(temperature, unit)}
      </td>
    </tr>
  );
}
