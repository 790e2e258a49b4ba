import { PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import type { Clock } from '../../clock.js';
import type { Feature } from '../../io/types.js';
import type { SessionService } from './session.service.js';

export function sessionFeature(clock: Clock, sessions: SessionService): Feature {
  return {
    onConnection(socket) {
      const { user, space } = socket.data;
      socket.emit(ServerEvent.Welcome, {
        user,
        space,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: clock.now(),
        token: sessions.renew({ user, space }),
      });
    },
  };
}
