import { z } from 'zod';
import { PROTOCOL_VERSION } from '../version.js';
import { displayNameSchema, type PublicUser, spaceSlugSchema } from './common.js';

/** Body of `POST /api/sessions`: join a space under a display name. */
export const createSessionBodySchema = z.strictObject({
  space: spaceSlugSchema,
  name: displayNameSchema,
  /** A token the browser already holds: lets its owner take their own name again. */
  token: z.string().max(1024).optional(),
});
export type CreateSessionBody = z.input<typeof createSessionBodySchema>;

export interface SessionGrant {
  token: string;
  user: PublicUser;
  space: string;
}

/** `auth` of the Socket.IO handshake. */
export const handshakeAuthSchema = z.object({
  token: z.string().min(1).max(1024),
  protocolVersion: z.literal(PROTOCOL_VERSION),
});
export type HandshakeAuth = z.input<typeof handshakeAuthSchema>;

export interface Welcome {
  user: PublicUser;
  space: string;
  protocolVersion: number;
  serverTime: number;
  /**
   * The session renewed: a fresh token for the same user and space. Tokens expire a while after they
   * are issued (SESSION_TTL_HOURS), so a client that keeps this one stays signed in while it keeps coming back.
   */
  token: string;
}

export interface ClockSample {
  serverTime: number;
}
