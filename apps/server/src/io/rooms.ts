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
 * Sockets whose client is not taking what is sent to it (bytes pile up on this node): broadcasts that a
 * later one replaces — sensor updates, the leaderboard, typing — skip them with `.except(BACKLOGGED_ROOM)`
 * rather than pile up more. See `backpressure.ts`.
 */
export const BACKLOGGED_ROOM = 'backlogged';
