import { PROTOCOL_VERSION, ServerEvent } from '@huddle/protocol';
import type { Clock } from '../../clock.js';
import type { Feature } from '../../io/types.js';

export function sessionFeature(clock: Clock): Feature {
  return {
    onConnection(socket) {
      socket.emit(ServerEvent.Welcome, {
        user: socket.data.user,
        space: socket.data.space,
        protocolVersion: PROTOCOL_VERSION,
        serverTime: clock.now(),
      });
    },
  };
}
