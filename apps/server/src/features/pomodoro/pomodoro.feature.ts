import { ServerEvent } from '@huddle/protocol';
import type { Feature, FeatureContext } from '../../feature.js';
import { spaceRoom } from '../../io/rooms.js';
import { pomodoroData } from './pomodoro.data.js';
import { createPomodoroService } from './pomodoro.service.js';
import { createPomodoroStore } from './pomodoro.store.js';

/** One shared timer per space: every change goes to the space, and to the other nodes so they arm its deadline. */
export function pomodoroFeature({ db, clock, logger, config, io, toOtherNodes }: FeatureContext): Feature {
  const pomodoro = createPomodoroService({
    store: createPomodoroStore(db, clock.now),
    clock,
    logger,
    defaults: config.pomodoroDefaults,
    onChange: (p) => {
      io.to(spaceRoom(p.space)).emit(ServerEvent.PomodoroState, p);
      toOtherNodes('pomodoro:changed', p.space);
    },
  });

  return {
    name: 'pomodoro',
    commands: {
      'pomodoro:press': (socket) => pomodoro.press(socket.data),
      'pomodoro:pause': (socket) => pomodoro.pause(socket.data),
      'pomodoro:resume': (socket) => pomodoro.resume(socket.data),
      'pomodoro:reset': (socket) => pomodoro.reset(socket.data),
      'pomodoro:settings': (socket, settings) => pomodoro.changeSettings(socket.data, settings),
    },
    async snapshot(socket) {
      socket.emit(ServerEvent.PomodoroState, await pomodoro.get(socket.data.space));
    },
    clusterEvents: {
      // Another node changed a pomodoro: arm its deadline here too, in case that node dies.
      'pomodoro:changed': (space) => {
        pomodoro.get(space).catch((err: unknown) => logger.error({ err, space }, 'arming a pomodoro failed'));
      },
    },
    start: () => pomodoro.start(),
    stop: () => pomodoro.stop(),
    data: pomodoroData(db, pomodoro.forget),
  };
}
