import { Command, ServerEvent } from '@huddle/protocol';
import type { Feature } from '../../io/types.js';
import type { PomodoroService } from './pomodoro.service.js';

export function pomodoroFeature(pomodoro: PomodoroService): Feature {
  return {
    commands: {
      [Command.PomodoroPress]: (socket) => pomodoro.press(socket.data.space, socket.data.user.name),
      [Command.PomodoroPause]: (socket) => pomodoro.pause(socket.data.space, socket.data.user.name),
      [Command.PomodoroResume]: (socket) => pomodoro.resume(socket.data.space, socket.data.user.name),
      [Command.PomodoroReset]: (socket) => pomodoro.reset(socket.data.space, socket.data.user.name),
      [Command.PomodoroSettings]: (socket, settings) =>
        pomodoro.changeSettings(socket.data.space, socket.data.user.name, settings),
    },
    async snapshot(socket) {
      socket.emit(ServerEvent.PomodoroState, await pomodoro.get(socket.data.space));
    },
  };
}
