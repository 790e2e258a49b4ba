import { randomUUID } from 'node:crypto';
import { ErrorCode, type PublicUser, type SessionGrant } from '@huddle/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { TokenSigner } from './session-token.js';
import type { UserStore } from './user.store.js';

export interface Session {
  user: PublicUser;
  space: string;
}

export function createSessionService(deps: { users: UserStore; signer: TokenSigner; clock: Clock }) {
  const { users, signer, clock } = deps;

  const grant = (user: PublicUser, space: string): SessionGrant => ({
    token: signer.sign({ uid: user.id, space, iat: clock.now() }),
    user,
    space,
  });

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
        const claims = signer.verify(presentedToken);
        if (claims?.uid === existing.id && claims.space === space) {
          return grant({ id: existing.id, name: existing.name }, space);
        }
        throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      }
      const created = await users.create({ id: randomUUID(), space, name, createdAt: now });
      if (!created) throw new AppError(ErrorCode.NameTaken, 'That name is taken in this space', 'name');
      return grant({ id: created.id, name: created.name }, space);
    },

    /** The session a token stands for, or null when it is forged or its user no longer exists. */
    async authenticate(token: unknown): Promise<Session | null> {
      const claims = signer.verify(token);
      if (!claims) return null;
      const user = await users.findById(claims.uid);
      if (!user || user.space !== claims.space) return null;
      return { user: { id: user.id, name: user.name }, space: user.space };
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
