import { ServerEvent } from '@huddle/protocol';
import type { Feature } from '../../io/types.js';
import type { SensorService } from './sensor.service.js';

export function sensorFeature(sensors: SensorService): Feature {
  return {
    commands: {
      'sensor:random': (socket, { sensorId, count }) =>
        sensors.random(socket.data.space, socket.data.user.id, sensorId, count),
      'sensor:thresholds': (socket, thresholds) => sensors.setThresholds(socket.data.space, thresholds),
      'sensor:history': (socket, { sensorId, range }) => sensors.history(socket.data.space, sensorId, range),
      'sensor:token': (socket) => sensors.token(socket.data.space),
      'sensor:rotate-token': (socket) => sensors.rotateToken(socket.data.space),
    },
    async snapshot(socket) {
      socket.emit(ServerEvent.SensorBoard, await sensors.board(socket.data.space));
    },
  };
}
