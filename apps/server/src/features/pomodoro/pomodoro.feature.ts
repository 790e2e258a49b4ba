import { ServerEvent } from '@huddle/protocol';
import type { Feature } from '../../io/types.js';
import type { PomodoroService } from './pomodoro.service.js';

export function pomodoroFeature(pomodoro: PomodoroService): Feature {
  return {
    commands: {
      'pomodoro:press': (socket) => pomodoro.press(socket.data.space, socket.data.user.name),
      'pomodoro:pause': (socket) => pomodoro.pause(socket.data.space, socket.data.user.name),
      'pomodoro:resume': (socket) => pomodoro.resume(socket.data.space, socket.data.user.name),
      'pomodoro:reset': (socket) => pomodoro.reset(socket.data.space, socket.data.user.name),
      'pomodoro:settings': (socket, settings) =>
        pomodoro.changeSettings(socket.data.space, socket.data.user.name, settings),
    },
    async snapshot(socket) {
      socket.emit(ServerEvent.PomodoroState, await pomodoro.get(socket.data.space));
    },
  };
}
