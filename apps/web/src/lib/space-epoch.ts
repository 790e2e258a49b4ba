/**
 * Which space the app is in, and the one rule every feature shares for "this answer belongs to another
 * space": the epoch moves on whenever a space is opened or closed, so work started under an older epoch
 * (a command's ack, a queued timer, a paging loop) is stale and must not reach a store.
 *
 * A reconnect within the same space does not move it: the space's state is still the one shown, and an
 * answer lost with the old connection is a timeout (chat offers to resend it), not a stale answer.
 */
let epoch = 0;
let openSpace: string | null = null;
/**
 * The space the current connection was welcomed into. Most events name no space: the server sends the
 * welcome first on every connection, so an event is current only once its connection was welcomed.
 */
let welcomedSpace: string | null = null;

/** Enters a space (or none): every answer to earlier work becomes stale. */
export function enterSpace(space: string | null): void {
  epoch += 1;
  openSpace = space;
  welcomedSpace = null;
}

export function currentSpace(): string | null {
  return openSpace;
}

export function spaceEpoch(): number {
  return epoch;
}

/** A check for async work started now: true while its answers still belong to the space that is open. */
export function sameSpaceEpoch(): () => boolean {
  const started = epoch;
  return () => epoch === started;
}

/** The connection was welcomed into `space`, or (null) has dropped. Returns whether that is the open space. */
export function setWelcomedSpace(space: string | null): boolean {
  welcomedSpace = space === openSpace ? space : null;
  return welcomedSpace !== null;
}

/** Whether server events are for the open space: its connection has been welcomed into it. */
export function inOpenSpace(): boolean {
  return openSpace !== null && welcomedSpace === openSpace;
}
