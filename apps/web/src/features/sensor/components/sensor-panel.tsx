import '../sensor.css';
import { PanelLoading } from '../../../components/ui/panel-loading';
import { useSensorStore } from '../stores/sensor-store';
import { DeviceApi } from './device-api';
import { SensorChartSection } from './sensor-chart-section';
import { SensorLatestTable } from './sensor-latest-table';
import { SensorReadout } from './sensor-readout';
import { SensorStatsTable } from './sensor-stats-table';
import { SensorThresholds } from './sensor-thresholds';
import { SensorToolbar } from './sensor-toolbar';

export function SensorPanel() {
  const ready = useSensorStore((s) => s.thresholds !== null);
  if (!ready) {
    return <PanelLoading>Waiting for the sensors…</PanelLoading>;
  }
  return (
    <div className="sensor">
      <SensorToolbar />
      <SensorReadout />
      <SensorChartSection />
      <div className="sensor__tables">
        <SensorLatestTable />
        <SensorStatsTable />
      </div>
      <div className="sensor__settings">
        <SensorThresholds />
        <DeviceApi />
      </div>
    </div>
  );
}
