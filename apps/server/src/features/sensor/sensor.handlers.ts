import { Command, ServerEvent } from '@huddle/protocol';
import type { Feature } from '../../io/types.js';
import type { SensorService } from './sensor.service.js';

export function sensorFeature(sensors: SensorService): Feature {
  return {
    commands: {
      [Command.SensorRandom]: (socket, { sensorId, count }) =>
        sensors.random(socket.data.space, socket.data.user.id, sensorId, count),
      [Command.SensorThresholds]: (socket, thresholds) => sensors.setThresholds(socket.data.space, thresholds),
      [Command.SensorHistory]: (socket, { sensorId, range }) => sensors.history(socket.data.space, sensorId, range),
      [Command.SensorToken]: (socket) => sensors.token(socket.data.space),
      [Command.SensorRotateToken]: (socket) => sensors.rotateToken(socket.data.space),
    },
    async snapshot(socket) {
      socket.emit(ServerEvent.SensorBoard, await sensors.board(socket.data.space));
    },
  };
}
