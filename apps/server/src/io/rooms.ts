import type { HuddleServer, HuddleSocket } from './types.js';

/** Socket.IO room holding every socket of a space. */
export function spaceRoom(space: string): `space:${string}` {
  return `space:${space}`;
}

/** Socket.IO room holding every tab of one user (user ids are unique across spaces). */
export function userRoom(userId: string): `user:${string}` {
  return `user:${userId}`;
}

/** Socket.IO room holding every tab of one signed-in device (browser). */
export function deviceRoom(deviceId: string): `device:${string}` {
  return `device:${deviceId}`;
}

/**
 * This node's sockets in a room, read from the adapter's own room map. `io.local.in(room).fetchSockets()`
 * asks Redis for the number of nodes first (the Streams adapter's serverCount), so it fails while Redis
 * is away; this never leaves the process.
 */
export function localSockets(io: HuddleServer, room: string): HuddleSocket[] {
  const namespace = io.of('/');
  const ids = namespace.adapter.rooms.get(room) ?? new Set<string>();
  return [...ids].flatMap((id) => {
    const socket = namespace.sockets.get(id);
    return socket ? [socket] : [];
  });
}

/**
 * Sockets whose client is not taking what is sent to it (bytes pile up on this node): broadcasts that a
 * later one replaces — sensor updates, the leaderboard, typing — skip them with `.except(BACKLOGGED_ROOM)`
 * rather than pile up more. See `backpressure.ts`.
 */
export const BACKLOGGED_ROOM = 'backlogged';
