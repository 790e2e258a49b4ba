import { SENSOR_RANGES, type SensorRange } from '@huddle/protocol';
import { lazy, Suspense, useId } from 'react';
import { InlineAlert } from '../../../components/ui/inline-alert';
import { useCommand } from '../../../hooks/use-command';
import { exportCsv } from '../commands';
import { RANGE_LABELS } from '../lib/format';
import { useSensorStore } from '../stores/sensor-store';
import { useSensorUnitStore } from '../stores/sensor-unit-store';
import { ChoiceGroup } from './choice-group';

// uPlot is the biggest part of the board and only the chart needs it: it loads beside the first paint.
const SensorChart = lazy(async () => ({ default: (await import('./sensor-chart')).SensorChart }));

const RANGE_OPTIONS = (Object.keys(SENSOR_RANGES) as SensorRange[]).map((range) => ({
  value: range,
  label: RANGE_LABELS[range],
}));

/** The live chart of the sensor on screen, its range, and the CSV export of that range. */
export function SensorChartSection() {
  const titleId = useId();
  const sensorId = useSensorStore((s) => s.selectedSensorId);
  const range = useSensorStore((s) => s.range);
  const unit = useSensorUnitStore((s) => s.unit);
  const thresholds = useSensorStore((s) => s.thresholds);
  const exporting = useCommand();

  return (
    <section className="sensor-chart-section" aria-labelledby={titleId}>
      <div className="sensor-chart-section__head">
        <h3 className="sensor-section-title" id={titleId}>
          History
        </h3>
        <ChoiceGroup
          legend="Chart range"
          hideLegend
          options={RANGE_OPTIONS}
          value={range}
          onChange={useSensorStore.getState().setRange}
        />
        <button
          type="button"
          className="button button--small"
          disabled={sensorId === null || exporting.pending}
          onClick={() => void exporting.run(() => exportCsv(range))}
        >
          Export CSV
        </button>
      </div>
      {thresholds !== null && (
        <Suspense fallback={<div className="sensor-chart-frame sensor-chart-frame--loading" aria-busy="true" />}>
          <SensorChart sensorId={sensorId} range={range} unit={unit} thresholds={thresholds} />
        </Suspense>
      )}
      <InlineAlert flash={exporting.feedback.flash} onDismiss={exporting.feedback.dismiss} />
    </section>
  );
}
