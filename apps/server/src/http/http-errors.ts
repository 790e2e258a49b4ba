import { type AppErrorBody, ErrorCode } from '@huddle/protocol';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isStorageUnavailable } from '../db/storage-errors.js';
import { AppError, retryAfterSeconds } from '../errors.js';

// Every code has its status: a new code cannot ship as a silent 400.
const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.ProtocolMismatch]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.SpacePrivate]: 403,
  [ErrorCode.InviteExpired]: 403,
  [ErrorCode.Removed]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.NameTaken]: 409,
  [ErrorCode.SpaceExists]: 409,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.InvalidTransition]: 409,
  [ErrorCode.InsufficientFunds]: 409,
  [ErrorCode.PayloadTooLarge]: 413,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Timeout]: 504,
};

/** Anything no route answered (a POST to /healthz, any path when no web build is served): a JSON 404. */
export const notFound: RequestHandler = (req, res) => {
  res
    .status(404)
    .json({ error: { code: ErrorCode.NotFound, message: `Nothing at ${req.method} ${req.path.slice(0, 200)}` } });
};

export const apiNotFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: ErrorCode.NotFound, message: `No API route ${req.method} ${req.path}` } });
};

/** Every API error is JSON `{ error: { code, message, field? } }`; stack traces stay in the log. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    if (res.headersSent) return void res.destroy();
    let status: number;
    let body: AppErrorBody;
    if (err instanceof AppError) {
      status = STATUS[err.code];
      body = err.toBody();
      if (body.retryAfterMs !== undefined) res.set('Retry-After', String(retryAfterSeconds(body.retryAfterMs)));
    } else if (isStorageUnavailable(err)) {
      logger.warn({ err }, 'storage unavailable');
      status = 503;
      body = { code: ErrorCode.Unavailable, message: 'Storage is briefly unavailable; nothing was changed, try again' };
      res.set('Retry-After', '1');
    } else if (err?.type === 'entity.too.large') {
      status = 413;
      body = { code: ErrorCode.PayloadTooLarge, message: 'The request body is too large' };
    } else if (err?.type === 'entity.parse.failed' || err?.type === 'encoding.unsupported') {
      status = 400;
      body = { code: ErrorCode.BadRequest, message: 'The request body is not valid JSON' };
    } else if (err?.status === 404) {
      status = 404;
      body = { code: ErrorCode.NotFound, message: 'Not found' };
    } else if (err instanceof URIError) {
      // The router's decodeParam: a path parameter with broken percent-encoding ("/api/spaces/%E0%A4%A/…").
      // It carries status 400 but not `expose`, so without this it fell through to a logged 500.
      status = 400;
      body = { code: ErrorCode.BadRequest, message: 'The URL has broken percent-encoding' };
    } else if (err?.expose && err.status >= 400 && err.status < 500) {
      // Other client errors from body parsing (unsupported charset, aborted request…).
      status = err.status;
      body = { code: ErrorCode.BadRequest, message: String(err.message) };
    } else {
      logger.error({ err }, 'request failed');
      status = 500;
      body = { code: ErrorCode.Internal, message: 'Something went wrong on the server' };
    }
    res.status(status).json({ error: body });
  };
}
