/** Stable error codes: clients branch on these, so they never change meaning. */
export const ErrorCode = {
  BadRequest: 'BAD_REQUEST',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  NameTaken: 'NAME_TAKEN',
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

export interface AppErrorBody {
  code: ErrorCode;
  message: string;
  /** For BAD_REQUEST: the path of the first invalid field, e.g. "workSeconds". */
  field?: string;
  /** For RATE_LIMITED: when the refused command would next be accepted. */
  retryAfterMs?: number;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: AppErrorBody };

export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

export function fail<T = never>(code: ErrorCode, message: string, field?: string): Ack<T> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}
