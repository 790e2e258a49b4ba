import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type PresentedToken,
  type PublicUser,
  type Role,
  type SessionGrant,
  type Visibility,
} from '@huddle/protocol';
import type { Clock } from '../clock.js';
import { AppError, rateLimited } from '../errors.js';
import type { Rate, RateLimiter } from '../lib/token-bucket.js';
import type { SpaceStore } from '../space/space.store.js';
import { inviteUnusable } from '../space/space.store.js';
import { hashSecretCode } from './secret-code.js';
import type { SessionClaims, TokenSigner } from './session-token.js';
import type { DeviceRecord, UserRecord, UserStore } from './user.store.js';

/** Who acts: a signed-in user in their space. Every service method that acts for someone takes it first. */
export interface Actor {
  user: PublicUser;
  space: string;
}

/** An actor as the handshake and HTTP routes see it: with their role and the device they signed in on. */
export interface Session extends Actor {
  role: Role;
  deviceId: string;
  /** What the token presented said. */
  token: PresentedToken;
}

/** Why a token is not a session: signed out, revoked or forged (null), removed, or expired. */
export type NoSession = null | 'removed' | 'expired';

export const isSession = (outcome: Session | NoSession): outcome is Session =>
  outcome !== null && typeof outcome === 'object';

export interface JoinRequest {
  space: string;
  name: string;
  /** A session token the browser already holds for this space. */
  token?: string | undefined;
  invite?: string | undefined;
  create?: { visibility: Visibility } | undefined;
  /** What the devices list will call this browser. */
  deviceLabel: string;
}

// One answer for "private" and "no such space": a stranger learns nothing from the difference.
const PRIVATE_MESSAGE = 'This space is private — ask a member for an invite';
const spacePrivate = () => new AppError(ErrorCode.SpacePrivate, PRIVATE_MESSAGE);
const inviteExpired = () =>
  new AppError(ErrorCode.InviteExpired, 'This invite has expired or was revoked — ask for a new one');
/** "Last seen" of a device is this coarse: a handshake within it writes nothing. */
const SEEN_EVERY_MS = 60_000;

const nameTaken = () => new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');

/** Signing devices out, per user: a few at once, then one a minute (scaled by RATE_LIMIT_SCALE). */
export const REVOKE_RATE: Rate = { burst: 5, perSecond: 1 / 60 };

export function createSessionService(deps: {
  users: UserStore;
  spaces: SpaceStore;
  signer: TokenSigner;
  clock: Clock;
  /** A token is accepted until this long after it was issued (each connection renews it). */
  ttlMs: number;
  /** A device's session ends this long after it signed in, however often it was renewed. */
  maxAgeMs: number;
  /** Limits, per user, how often other devices are signed out. */
  revokeLimiter: RateLimiter;
}) {
  const { users, spaces, signer, clock, ttlMs, maxAgeMs } = deps;

  const sign = (user: PublicUser, space: string, deviceId: string, iat: number, ver: number, gen: number) =>
    signer.sign({ uid: user.id, space, iat, did: deviceId, ver, gen });

  async function newDevice(user: UserRecord, label: string): Promise<SessionGrant> {
    const now = clock.now();
    const id = randomUUID();
    await users.addDevice({ id, userId: user.id, label, createdAt: now, lastSeenAt: now });
    const publicUser = { id: user.id, name: user.name };
    return {
      token: sign(publicUser, user.space, id, now, user.sessionVersion, 0),
      user: publicUser,
      space: user.space,
    };
  }

  /** A genuine token's claims, member and device; why not, when it is no session. */
  async function holder(
    token: unknown,
  ): Promise<{ claims: SessionClaims; user: UserRecord; device: DeviceRecord | null } | NoSession> {
    const claims = signer.verify(token);
    if (!claims) return null;
    const now = clock.now();
    if (claims.iat + ttlMs <= now) return 'expired';
    // The member and their device in one read (a token from before devices were tracked has none).
    const found =
      claims.did === undefined
        ? await users.findById(claims.uid).then((user) => user && { user, device: null })
        : await users.findWithDevice(claims.uid, claims.did);
    if (!found) return null;
    const { user, device } = found;
    if (user.space !== claims.space) return null;
    if (user.removedAt !== null) return 'removed';
    if (claims.iat < user.sessionsValidAfter || (claims.ver ?? 0) < user.sessionVersion) return null;
    if (claims.did === undefined) return { claims, user, device: null };
    if (!device || device.revokedAt !== null) return null;
    if (device.createdAt + maxAgeMs <= now) return 'expired';
    return { claims, user, device };
  }

  /**
   * The session a token stands for, or why it is none. A token from before devices were tracked gets a
   * device now. A token of a newer generation than its device's becomes the device's newest (so older
   * copies no longer count as current); otherwise a device not seen for a minute is marked seen, so
   * most handshakes of an unrenewed token write nothing.
   */
  async function authenticate(token: unknown, deviceLabel = 'A browser'): Promise<Session | NoSession> {
    const held = await holder(token);
    if (held === null || typeof held === 'string') return held;
    const { claims, user, device } = held;
    const now = clock.now();
    const generation = claims.gen ?? 0;
    let deviceId: string;
    let signedInAt: number;
    let current = true;
    if (device === null) {
      deviceId = randomUUID();
      signedInAt = now;
      await users.addDevice({ id: deviceId, userId: user.id, label: deviceLabel, createdAt: now, lastSeenAt: now });
    } else {
      deviceId = device.id;
      signedInAt = device.createdAt;
      current = generation >= device.generation;
      if (generation > device.generation) await users.confirmGeneration(deviceId, generation, now);
      else if (device.lastSeenAt < now - SEEN_EVERY_MS) await users.touchDevice(deviceId, now);
    }
    const lifetimeEnds = signedInAt + maxAgeMs;
    return {
      user: { id: user.id, name: user.name },
      space: user.space,
      role: user.role,
      deviceId,
      token: {
        version: claims.ver ?? 0,
        generation,
        issuedAt: claims.iat,
        current,
        // A renewal of a current token is accepted up to the lifetime's end; an older copy is not renewed.
        expiresAt: current ? lifetimeEnds : Math.min(lifetimeEnds, claims.iat + ttlMs),
      },
    };
  }

  /**
   * The token a session keeps: the newest token of its device gets a fresh one, one generation on
   * (sliding expiry, never past the lifetime: that is checked against the device's sign-in). An older
   * copy gets itself back: it works until it expires and never becomes current again.
   */
  function renew(session: Pick<Session, 'user' | 'space' | 'deviceId' | 'token'>): string {
    const { user, space, deviceId, token } = session;
    return token.current
      ? sign(user, space, deviceId, clock.now(), token.version, token.generation + 1)
      : sign(user, space, deviceId, token.issuedAt, token.version, token.generation);
  }

  /** Refuses an older copy of a device's token what only the device's newest token may do. */
  function requireCurrent(session: Pick<Session, 'token'>): void {
    if (!session.token.current) {
      throw new AppError(
        ErrorCode.Forbidden,
        "This is an older copy of this browser's session: only its newest token may do that. Reload the page and try again",
      );
    }
  }

  /** Whether the user may sign devices out now: with the device's newest token, within the per-user rate. */
  async function mayRevoke(session: Pick<Session, 'user' | 'token'>): Promise<void> {
    requireCurrent(session);
    const taken = await deps.revokeLimiter.take(session.user.id);
    if (!taken.ok) throw rateLimited('You signed devices out too often', taken.retryAfterMs);
  }

  /** Whether a token (however old) was once a session of someone removed from `space` for good. */
  async function fromBlockedMember(token: string | undefined, space: string): Promise<boolean> {
    const claims = signer.verify(token);
    if (!claims || claims.space !== space) return false;
    const user = await users.findById(claims.uid);
    return user !== null && user.space === space && user.blocked;
  }

  return {
    /**
     * Joins `space` as `name`, creating the space first when asked (its creator owns it). An open space
     * admits anyone; a private one needs a usable invite, whose use is taken only when the join succeeds.
     * A name belongs to the member who holds it; the holder of that member's token may take it again.
     */
    async join(request: JoinRequest): Promise<{ grant: SessionGrant; newMember: boolean }> {
      const { space, name, token, invite, create, deviceLabel } = request;
      const now = clock.now();
      if (create && (await spaces.create(space, create.visibility, now))) {
        const owner = await users.create({ id: randomUUID(), space, name, createdAt: now, role: 'owner' });
        if (!owner) throw nameTaken();
        return { grant: await newDevice(owner, deviceLabel), newMember: true };
      }
      const settings = await spaces.settings(space);
      if (!settings) throw spacePrivate();
      if (await fromBlockedMember(token, space)) {
        throw new AppError(ErrorCode.Removed, 'You were removed from this space');
      }
      const existing = await users.findByName(space, name);
      if (existing) {
        const held = await authenticate(token, deviceLabel);
        if (isSession(held) && held.user.id === existing.id) {
          return { grant: { token: renew(held), user: held.user, space }, newMember: false };
        }
      }
      const inviteHash = invite === undefined ? null : hashSecretCode(invite);
      if (settings.visibility === 'private') {
        if (inviteHash === null) {
          if (create) throw new AppError(ErrorCode.SpaceExists, 'That space name is taken: choose another', 'space');
          throw spacePrivate();
        }
        const found = await spaces.inviteByHash(inviteHash);
        if (!found || found.space !== space) throw spacePrivate();
        if (inviteUnusable(found, now)) throw inviteExpired();
      }
      if (existing) throw nameTaken();
      const usesInvite = settings.visibility === 'private' && inviteHash !== null;
      if (usesInvite && !(await spaces.useInvite(space, inviteHash, now))) throw inviteExpired();
      const created = await users.create({ id: randomUUID(), space, name, createdAt: now, role: 'member' });
      if (!created) {
        if (usesInvite) await spaces.returnInvite(inviteHash);
        throw nameTaken();
      }
      return { grant: await newDevice(created, deviceLabel), newMember: true };
    },

    /** How a browser may join: open, or by the invite it carries. Throws what `join` would. */
    async access(space: string, invite: string | undefined): Promise<'open' | 'invite'> {
      const settings = await spaces.settings(space);
      if (!settings) throw spacePrivate();
      if (settings.visibility === 'open') return 'open';
      if (invite === undefined) throw spacePrivate();
      const found = await spaces.inviteByHash(hashSecretCode(invite));
      if (!found || found.space !== space) throw spacePrivate();
      if (inviteUnusable(found, clock.now())) throw inviteExpired();
      return 'invite';
    },

    /** Signs a new browser in as the member who made a "link another device" code; the code works once. */
    async link(space: string, code: string, deviceLabel: string): Promise<SessionGrant> {
      const userId = await spaces.useDeviceLink(hashSecretCode(code), clock.now());
      const user = userId === null ? null : await users.findById(userId);
      if (!user || user.space !== space || user.removedAt !== null) {
        throw new AppError(ErrorCode.InviteExpired, 'This sign-in link has expired or was used — make a new one');
      }
      return newDevice(user, deviceLabel);
    },

    authenticate,
    renew,
    requireCurrent,
    mayRevoke,

    /**
     * Whether a session is still valid, read again from storage: a connection checks it once it has joined
     * its rooms, so a revocation whose broadcast came before that still reaches it.
     */
    stillValid(session: Pick<Session, 'user' | 'deviceId' | 'token'>): Promise<boolean> {
      return users.sessionStands(session.user.id, session.deviceId, session.token.version);
    },

    /**
     * Signs the token's user out everywhere else: every other device and every token issued before now
     * (older copies of this device's too) stop working; open connections close on every node. Needs the
     * device's newest token, and is rate limited per user. The caller gets a fresh grant.
     */
    async revokeOthers(token: unknown): Promise<SessionGrant | null> {
      const session = await authenticate(token);
      if (!isSession(session)) return null;
      await mayRevoke(session);
      const now = clock.now();
      const version = await users.revokeOtherSessions(session.user.id, session.deviceId, now);
      const { user, space, deviceId } = session;
      return { token: sign(user, space, deviceId, now, version, session.token.generation + 1), user, space };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
