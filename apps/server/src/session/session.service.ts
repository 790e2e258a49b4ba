import { randomUUID } from 'node:crypto';
import { ErrorCode, type PublicUser, type SessionGrant } from '@huddle/protocol';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { TokenSigner } from './session-token.js';
import type { UserRecord, UserStore } from './user.store.js';

/** Who acts: a signed-in user in their space. Every service method that acts for someone takes it first. */
export interface Actor {
  user: PublicUser;
  space: string;
}

export function createSessionService(deps: {
  users: UserStore;
  signer: TokenSigner;
  clock: Clock;
  /** A token is accepted until this long after it was issued. */
  ttlMs: number;
}) {
  const { users, signer, clock, ttlMs } = deps;

  const grant = (user: PublicUser, space: string): SessionGrant => ({
    token: signer.sign({ uid: user.id, space, iat: clock.now() }),
    user,
    space,
  });

  /** The user a token stands for: genuine, for that user's space, not expired and not revoked. */
  async function holder(token: unknown): Promise<UserRecord | null> {
    const claims = signer.verify(token);
    if (!claims) return null;
    if (claims.iat + ttlMs <= clock.now()) return null;
    const user = await users.findById(claims.uid);
    if (!user || user.space !== claims.space || claims.iat < user.sessionsValidAfter) return null;
    return user;
  }

  return {
    /**
     * Joins `space` as `name`. A name belongs to whoever took it first in that space; the holder of
     * that user's token may take it again (another device, cleared storage with the token kept).
     */
    async join(space: string, name: string, presentedToken: string | undefined): Promise<SessionGrant> {
      const now = clock.now();
      await users.ensureSpace(space, now);
      const existing = await users.findByName(space, name);
      if (existing) {
        if ((await holder(presentedToken))?.id === existing.id) {
          return grant({ id: existing.id, name: existing.name }, space);
        }
        throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      }
      const created = await users.create({ id: randomUUID(), space, name, createdAt: now });
      if (!created) throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      return grant({ id: created.id, name: created.name }, space);
    },

    /** The actor a token stands for, or null when it is forged, expired, revoked or its user is gone. */
    async authenticate(token: unknown): Promise<Actor | null> {
      const user = await holder(token);
      return user ? { user: { id: user.id, name: user.name }, space: user.space } : null;
    },

    /** A fresh token for a session that just proved itself (sliding expiry). */
    renew(actor: Actor): string {
      return grant(actor.user, actor.space).token;
    },

    /**
     * Signs the token's user out everywhere else: every token issued before now stops working (open
     * connections are the caller's to close) and the caller gets a fresh grant. Null for a bad token.
     */
    async revokeOthers(token: unknown): Promise<SessionGrant | null> {
      const user = await holder(token);
      if (!user) return null;
      const now = clock.now();
      await users.revokeSessions(user.id, now);
      return grant({ id: user.id, name: user.name }, user.space);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
