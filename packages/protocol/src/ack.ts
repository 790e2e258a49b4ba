import { z } from 'zod';

/** Stable error codes: clients branch on these, so they never change meaning. */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  NameTaken: 'NAME_TAKEN',
  /** The space is private (or does not exist: the answer is the same) and no valid invite came. */
  SpacePrivate: 'SPACE_PRIVATE',
  /** A genuine invite of the space that expired, was used up or revoked. */
  InviteExpired: 'INVITE_EXPIRED',
  /** Creating a space whose name is taken. */
  SpaceExists: 'SPACE_EXISTS',
  /** This person was removed from the space and may not come back. */
  Removed: 'REMOVED',
  InvalidTransition: 'INVALID_TRANSITION',
  InsufficientFunds: 'INSUFFICIENT_FUNDS',
  Conflict: 'CONFLICT',
  RateLimited: 'RATE_LIMITED',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  ProtocolMismatch: 'PROTOCOL_MISMATCH',
  Unavailable: 'UNAVAILABLE',
  Timeout: 'TIMEOUT',
  Internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const appErrorBodySchema = z.object({
  code: z.enum(ErrorCode),
  message: z.string().meta({ description: 'For people: clients branch on `code`, never on this text.' }),
  field: z
    .string()
    .optional()
    .meta({ description: 'For BAD_REQUEST: the path of the first invalid field, e.g. "workSeconds".' }),
  retryAfterMs: z
    .number()
    .optional()
    .meta({ description: 'For RATE_LIMITED: when the refused command would next be accepted.' }),
});
export type AppErrorBody = z.infer<typeof appErrorBodySchema>;

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AppErrorBody };

/** The ack of a command whose successful `data` is `data`, as a schema (for the protocol spec). */
export const ackSchema = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: appErrorBodySchema }),
  ]);

/** Every HTTP error answer. */
export const errorResponseSchema = z.object({ error: appErrorBodySchema });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

export function fail<T = never>(code: ErrorCode, message: string, field?: string): Ack<T> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}
