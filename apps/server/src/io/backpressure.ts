import { BACKLOGGED_ROOM } from './rooms.js';
import type { HuddleSocket } from './types.js';

/** Bytes waiting for one client above which it is backlogged, and above which it is cut off. */
export interface BackpressureLimits {
  backlogBytes: number;
  maxBytes: number;
}

interface EnginePacket {
  data?: string | Buffer | ArrayBuffer | ArrayBufferView;
}

type Transport = HuddleSocket['conn']['transport'];

const sizeOf = ({ data }: EnginePacket) =>
  // The packet's type byte, and its payload.
  1 + (data === undefined ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

/**
 * Bytes sent to a WebSocket client that it has not taken yet: what `ws` holds and what the TCP socket
 * under it could not hand to the kernel (a client that stops reading fills the kernel's buffers first).
 */
const heldByTransport = (transport: Transport) =>
  transport.name === 'websocket'
    ? ((transport as unknown as { socket: { bufferedAmount: number } }).socket.bufferedAmount ?? 0)
    : 0;

/**
 * Follows the bytes this node holds for one client: the engine's packets not yet handed to the
 * transport (they pile up there while the previous write waits for the client, and on HTTP
 * long-polling until the next poll) plus, on WebSocket, what the socket under it holds. Socket.IO's own
 * `volatile` flag is no help here: it drops a packet whenever the transport is busy with the previous
 * write, which on WebSocket is the case right after every write, for fast clients too.
 *
 * Above `backlogBytes` the socket is in `BACKLOGGED_ROOM` (coalescable broadcasts skip it) until it has
 * caught up; above `maxBytes` `onOverflow` runs once (the caller cuts the client off). Answers a
 * function that tells the bytes held now.
 */
export function watchBackpressure(
  socket: HuddleSocket,
  limits: BackpressureLimits,
  onOverflow: (bytes: number) => void,
): () => number {
  const conn = socket.conn;
  // What the handshake queued before this watch began is subtracted when it is flushed: counted here.
  let queued = (conn as unknown as { writeBuffer: EnginePacket[] }).writeBuffer.reduce((n, p) => n + sizeOf(p), 0);
  let backlogged = false;
  let overflowed = false;
  const held = () => queued + heldByTransport(conn.transport);

  const check = () => {
    if (overflowed) return;
    const bytes = held();
    if (bytes > limits.maxBytes) {
      overflowed = true;
      // Not from inside the engine's send: it goes on with the packet it was writing.
      setImmediate(() => onOverflow(bytes));
      return;
    }
    const behind = bytes > limits.backlogBytes;
    if (behind === backlogged) return;
    backlogged = behind;
    void (behind ? socket.join(BACKLOGGED_ROOM) : socket.leave(BACKLOGGED_ROOM));
  };

  conn.on('packetCreate', (packet: EnginePacket) => {
    queued += sizeOf(packet);
    check();
  });
  conn.on('flush', (packets: EnginePacket[]) => {
    for (const packet of packets) queued -= sizeOf(packet);
  });
  // A transport drains once the client took the previous write: the moment a backlog may be over.
  const follow = (transport: Transport) => transport.on('drain', check);
  follow(conn.transport);
  conn.on('upgrade', follow);
  return held;
}
