import { type AppErrorBody, ErrorCode, illFormedPath } from '@huddle/protocol';
import type { z } from 'zod';

/** An expected failure with a stable code: handlers turn it into an error ack or an HTTP error. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  toBody(): AppErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    };
  }
}

/** Whole seconds to wait, at least 1: what a refusal's message and an HTTP Retry-After say. */
export const retryAfterSeconds = (retryAfterMs: number) => Math.max(1, Math.ceil(retryAfterMs / 1000));

/** A RATE_LIMITED refusal: `what` went too fast (e.g. "You are sending messages too fast"), and when to retry. */
export function rateLimited(what: string, retryAfterMs: number): AppError {
  return new AppError(
    ErrorCode.RateLimited,
    `${what}; try again in ${retryAfterSeconds(retryAfterMs)} s`,
    undefined,
    retryAfterMs,
  );
}

/** The first schema issue, as a BAD_REQUEST naming the field. */
export function badRequestFrom(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.');
  return new AppError(ErrorCode.BadRequest, issue?.message ?? 'Invalid payload', field || undefined);
}

/**
 * Parses client input (a command's payload, an HTTP body, path or query): every string in it, at any
 * depth, must be well-formed UTF-16, then the schema decides. Every client input goes through here.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
): { ok: true; data: z.output<S> } | { ok: false; error: AppError } {
  const illFormed = illFormedPath(input);
  if (illFormed !== null) {
    const field = illFormed.map(String).join('.');
    return {
      ok: false,
      error: new AppError(
        ErrorCode.BadRequest,
        'Text must be well-formed Unicode (no lone surrogates)',
        field || undefined,
      ),
    };
  }
  const result = schema.safeParse(input);
  return result.success ? { ok: true, data: result.data } : { ok: false, error: badRequestFrom(result.error) };
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = parseInput(schema, input);
  if (!parsed.ok) throw parsed.error;
  return parsed.data;
}
