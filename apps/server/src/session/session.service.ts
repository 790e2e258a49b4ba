import { randomUUID } from 'node:crypto';
import { ErrorCode, type PublicUser, type Role, type SessionGrant, type Visibility } from '@huddle/protocol';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { SpaceStore } from '../space/space.store.js';
import { inviteUnusable } from '../space/space.store.js';
import { hashSecretCode } from './secret-code.js';
import type { TokenSigner } from './session-token.js';
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
}

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

export function createSessionService(deps: {
  users: UserStore;
  spaces: SpaceStore;
  signer: TokenSigner;
  clock: Clock;
  /** A token is accepted until this long after it was issued. */
  ttlMs: number;
}) {
  const { users, spaces, signer, clock, ttlMs } = deps;

  const grant = (user: PublicUser, space: string, deviceId: string): SessionGrant => ({
    token: signer.sign({ uid: user.id, space, iat: clock.now(), did: deviceId }),
    user,
    space,
  });

  async function newDevice(user: UserRecord, label: string): Promise<SessionGrant> {
    const now = clock.now();
    const id = randomUUID();
    await users.addDevice({ id, userId: user.id, label, createdAt: now, lastSeenAt: now });
    return grant({ id: user.id, name: user.name }, user.space, id);
  }

  /** A genuine, unexpired token's member and device; null when revoked, removed or signed out. */
  async function holder(token: unknown): Promise<{ user: UserRecord; device: DeviceRecord | null } | 'removed' | null> {
    const claims = signer.verify(token);
    if (!claims) return null;
    if (claims.iat + ttlMs <= clock.now()) return null;
    const user = await users.findById(claims.uid);
    if (!user || user.space !== claims.space) return null;
    if (user.removedAt !== null) return 'removed';
    if (claims.iat < user.sessionsValidAfter) return null;
    if (claims.did === undefined) return { user, device: null };
    const device = await users.findDevice(claims.did);
    if (!device || device.userId !== user.id || device.revokedAt !== null) return null;
    return { user, device };
  }

  /**
   * The session a token stands for, `removed` for a member who was removed, or null when it is forged,
   * expired, revoked or signed out. A token from before devices were tracked gets a device now; a device
   * not seen for a minute is marked seen (so most handshakes write nothing).
   */
  async function authenticate(token: unknown, deviceLabel = 'A browser'): Promise<Session | 'removed' | null> {
    const held = await holder(token);
    if (held === null || held === 'removed') return held;
    const { user, device } = held;
    const now = clock.now();
    let deviceId = device?.id;
    if (deviceId === undefined) {
      deviceId = randomUUID();
      await users.addDevice({ id: deviceId, userId: user.id, label: deviceLabel, createdAt: now, lastSeenAt: now });
    } else if (device && device.lastSeenAt < now - SEEN_EVERY_MS) {
      await users.touchDevice(deviceId, now);
    }
    return { user: { id: user.id, name: user.name }, space: user.space, role: user.role, deviceId };
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
        const held = await holder(token);
        if (held !== null && held !== 'removed' && held.user.id === existing.id) {
          const again =
            held.device === null
              ? await newDevice(existing, deviceLabel)
              : grant({ id: existing.id, name: existing.name }, space, held.device.id);
          return { grant: again, newMember: false };
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

    /** A fresh token for a session that just proved itself (sliding expiry). */
    renew(session: Pick<Session, 'user' | 'space' | 'deviceId'>): string {
      return grant(session.user, session.space, session.deviceId).token;
    },

    /**
     * Signs the token's user out everywhere else: every other device and every token issued before now
     * stop working (open connections are the caller's to close); the caller gets a fresh grant.
     */
    async revokeOthers(token: unknown): Promise<SessionGrant | null> {
      const session = await authenticate(token);
      if (session === null || session === 'removed') return null;
      const now = clock.now();
      await users.revokeOtherDevices(session.user.id, session.deviceId, now);
      await users.revokeSessions(session.user.id, now);
      return grant(session.user, session.space, session.deviceId);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
