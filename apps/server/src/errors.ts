import { type AppErrorBody, ErrorCode } from '@huddle/protocol';
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

/** The first schema issue, as a BAD_REQUEST naming the field. */
export function badRequestFrom(error: z.ZodError): AppError {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.');
  return new AppError(ErrorCode.BadRequest, issue?.message ?? 'Invalid payload', field || undefined);
}

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequestFrom(result.error);
  return result.data;
}
