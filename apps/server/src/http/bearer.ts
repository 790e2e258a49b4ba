import type { Request } from 'express';

/** The token of an `Authorization: Bearer <token>` header, if there is one. */
export function bearer(req: Request): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
}
