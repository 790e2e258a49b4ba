import type { HuddleSocket } from './types.js';

/**
 * Ends a client's connection at once: the server's goodbye is sent if it can still leave, then the TCP
 * connection is dropped with what is queued for it and what it sent that was not read yet. A graceful
 * close would wait for a client that does not read to take everything (holding those bytes meanwhile),
 * or keep parsing a flooder's packets until its close frame arrives behind them.
 */
export function cutOff(socket: HuddleSocket): void {
  const transport = socket.conn.transport;
  socket.disconnect(true);
  socket.conn.close(true);
  if (transport.name === 'websocket') (transport as unknown as { socket: { terminate(): void } }).socket.terminate();
}
