import { z } from 'zod';
import { PROTOCOL_VERSION } from '../version.js';
import { displayNameSchema, publicUserSchema, spaceSlugSchema } from './common.js';
import { secretCodeSchema, visibilitySchema } from './space.js';

/** Body of `POST /api/sessions`: join a space under a display name. */
export const createSessionBodySchema = z.strictObject({
  space: spaceSlugSchema,
  name: displayNameSchema,
  /** A token the browser already holds: lets its owner take their own name again. */
  token: z.string().max(1024).optional(),
  /** The secret of an invite to this (private) space. */
  invite: secretCodeSchema.optional(),
  /** Create the space when it does not exist yet; its creator owns it. Joins it as usual when it does. */
  create: z.strictObject({ visibility: visibilitySchema.default('private') }).optional(),
});
export type CreateSessionBody = z.input<typeof createSessionBodySchema>;

/** Answer of `POST /api/sessions` and `/api/sessions/revoke`: the session to keep and send in the handshake. */
export const sessionGrantSchema = z.object({ token: z.string(), user: publicUserSchema, space: z.string() });
export type SessionGrant = z.infer<typeof sessionGrantSchema>;

/** Body of `POST /api/sessions/link`: a one-time code from a signed-in device. */
export const linkSessionBodySchema = z.strictObject({ space: spaceSlugSchema, code: secretCodeSchema });
export type LinkSessionBody = z.input<typeof linkSessionBodySchema>;

/** `auth` of the Socket.IO handshake. */
export const handshakeAuthSchema = z.object({
  token: z.string().min(1).max(1024),
  protocolVersion: z.literal(PROTOCOL_VERSION),
});
export type HandshakeAuth = z.input<typeof handshakeAuthSchema>;

/** Error payload of a refused handshake (`connect_error` → `err.data`). */
export const handshakeErrorSchema = z.object({
  code: z.enum(['UNAUTHORIZED', 'REMOVED', 'PROTOCOL_MISMATCH', 'UNAVAILABLE', 'RATE_LIMITED']),
  message: z.string(),
});
export type HandshakeErrorData = z.infer<typeof handshakeErrorSchema>;

/** Server epoch milliseconds: deadlines and `at` times are in server time. */
export const serverTimeSchema = z.number().int();

export const welcomeSchema = z.object({
  user: publicUserSchema,
  space: z.string(),
  protocolVersion: z.number().int(),
  serverTime: serverTimeSchema,
  token: z.string().meta({
    // Tokens expire a while after they are issued, so a client that keeps this one stays signed in while it keeps coming back.
    description:
      "The session renewed: a fresh token for the same user and space, to keep in place of the old one (tokens expire SESSION_TTL_HOURS after issue, and never later than SESSION_MAX_AGE_HOURS after the device signed in). An older copy of the device's token gets itself back, unchanged: not a renewal.",
  }),
});
export type Welcome = z.infer<typeof welcomeSchema>;

export const clockSampleSchema = z.object({ serverTime: serverTimeSchema });
export type ClockSample = z.infer<typeof clockSampleSchema>;
