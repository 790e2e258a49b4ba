import { ServerEvent } from '@huddle/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { deviceRoom, localSockets, userRoom } from '../io/rooms.js';
import type { HuddleServer } from '../io/types.js';
import { sessionEnded } from '../space/membership.js';
import type { Revocation, UserStore } from './user.store.js';

/**
 * How far back each look reads, beyond the previous look: revocations stamped by a node whose clock is
 * behind, or committed late, by up to this much are still seen. Reading one again closes nothing new.
 */
const LOOK_BACK_MS = 60_000;
/** Revocations are kept this long, far beyond any look, then deleted. */
const KEEP_MS = 3_600_000;
/** Old revocations are deleted once in this many looks. */
const FORGET_EVERY = 60;

/**
 * Closes this node's sockets whose session ended, without relying on the broadcast that normally closes
 * them at once (it is lost when Redis is away): every `everyMs`, one indexed read of the revocations
 * recorded since the last look, matched against the sockets of this node's rooms, and the sockets whose
 * session lifetime is over. One query per look per node, whatever the number of sockets.
 */
export function watchRevocations(deps: {
  io: HuddleServer;
  users: UserStore;
  clock: Clock;
  logger: Logger;
  everyMs: number;
}): { start(): void; stop(): Promise<void>; look(): Promise<number> } {
  const { io, users, clock, logger } = deps;
  let since: number | undefined;
  let looks = 0;
  let failing = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<number> | undefined;

  function close(revocation: Revocation): number {
    const { userId, deviceId, version, reason } = revocation;
    const room = deviceId === null ? userRoom(userId) : deviceRoom(deviceId);
    let closed = 0;
    for (const socket of localSockets(io, room)) {
      // A user's revocation ends the sessions issued before it; a new one (the revoking device's) stays.
      if (deviceId === null && socket.data.token.version >= version) continue;
      // `revoked`: the user's own device reconnects with its new token; the others are refused and say so.
      if (reason !== 'revoked') socket.emit(ServerEvent.SessionEnded, sessionEnded(reason));
      socket.disconnect(true);
      closed += 1;
    }
    return closed;
  }

  async function lookOnce(): Promise<number> {
    const startedAt = clock.now();
    const revocations = await users.revocationsSince((since ?? startedAt) - LOOK_BACK_MS);
    since = startedAt;
    let closed = 0;
    for (const revocation of revocations) closed += close(revocation);
    const now = clock.now();
    for (const socket of io.of('/').sockets.values()) {
      if (socket.data.token && socket.data.token.expiresAt <= now) {
        socket.disconnect(true);
        closed += 1;
      }
    }
    looks += 1;
    if (looks % FORGET_EVERY === 0) await users.forgetRevocations(now - KEEP_MS);
    if (closed > 0) logger.info({ closed }, 'closed sockets whose session was revoked or expired');
    return closed;
  }

  /** One look (or the one already running): how many sockets it closed. */
  function look(): Promise<number> {
    running ??= lookOnce()
      .then(
        (closed) => {
          if (failing) logger.info('revocation check back');
          failing = false;
          return closed;
        },
        (err: unknown) => {
          if (!failing) logger.warn({ err }, 'revocation check failed; retrying');
          failing = true;
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    start() {
      timer = setInterval(() => void look(), deps.everyMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
    look,
  };
}
