import { ServerEvent } from '@huddle/protocol';
import type { WebFeature } from '../../lib/feature';
import { serverNow } from '../../lib/server-time';
import { SensorPanel } from './components/sensor-panel';
import { useSensorChartStore } from './stores/sensor-chart-store';
import { useSensorStore } from './stores/sensor-store';

export const sensorFeature: WebFeature = {
  id: 'sensor',
  events: {
    [ServerEvent.SensorBoard]: (board) => useSensorStore.getState().receiveBoard(board),
    [ServerEvent.SensorUpdate]: (summary) => {
      useSensorStore.getState().receiveUpdate(summary);
      useSensorChartStore.getState().receiveSummary(summary, serverNow());
    },
    [ServerEvent.SensorRemoved]: ({ sensorId }) => useSensorStore.getState().removeSensor(sensorId),
  },
  onLeave: () => {
    useSensorStore.getState().reset();
    useSensorChartStore.getState().clear();
  },
  stores: [useSensorStore, useSensorChartStore],
  nav: { title: 'Sensors' },
  Panel: SensorPanel,
};
