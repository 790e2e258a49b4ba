import { once } from 'node:events';
import { spaceExportQuerySchema, spacePathParamsSchema } from '@huddle/protocol';
import { type Response, Router } from 'express';
import { parseOrThrow, rateLimited } from '../../errors.js';
import { type RequireSession, sessionOf } from '../../http/session-auth.js';
import { createOneAtATime } from '../../lib/one-at-a-time.js';
import type { SpaceData } from '../../space/space-data.js';

/** Where an admin downloads a space, under `/api`. */
export const EXPORT_PATH = '/spaces/:space/export';

const FORMATS = {
  ndjson: { type: 'application/x-ndjson', open: '', separator: '\n', close: '\n' },
  json: { type: 'application/json', open: '{"records":[\n', separator: ',\n', close: '\n]}\n' },
} as const;

/**
 * `GET /api/spaces/:space/export`: the whole space as one download, streamed record by record from the
 * database as the client reads it (a slow reader slows the reads down; nothing piles up in memory).
 */
export function exportRoutes(spaceData: SpaceData, requireSession: RequireSession): Router {
  // One at a time per user (on each node): each reads everything the space holds.
  const running = createOneAtATime();
  return Router().get(EXPORT_PATH, requireSession('GET /api/spaces/:space/export'), async (req, res) => {
    const { space } = parseOrThrow(spacePathParamsSchema, req.params);
    const { format } = parseOrThrow(spaceExportQuerySchema, req.query);
    const end = running.start(sessionOf(res).user.id);
    if (!end) throw rateLimited('Your other export is still running: one at a time', BUSY_RETRY_MS);
    try {
      await streamExport(spaceData, space, format, res);
    } finally {
      end();
    }
  });
}

/** What a user asking for a second export while one runs is told to wait, at least. */
const BUSY_RETRY_MS = 5000;

async function streamExport(spaceData: SpaceData, space: string, format: keyof typeof FORMATS, res: Response) {
  const { type, open, separator, close } = FORMATS[format];
  const records = spaceData.export(space)[Symbol.asyncIterator]();
  // The first read before any header: storage away at the start is still a clean 503, not a cut file.
  let next = await records.next();
  res.status(200);
  // The name first: `attachment` also sets a type from the extension, which `.ndjson` does not have.
  res.attachment(`${space}-export.${format}`);
  res.type(type);
  res.set('Cache-Control', 'no-store');
  const closed = once(res, 'close');
  const write = async (chunk: string) => {
    if (!res.write(chunk)) await Promise.race([once(res, 'drain'), closed]);
  };
  try {
    await write(open);
    let first = true;
    while (!next.done) {
      // A client gone mid-download ends the export (an error after the headers cuts the file short).
      if (res.destroyed) return;
      await write(`${first ? '' : separator}${JSON.stringify(next.value)}`);
      first = false;
      next = await records.next();
    }
    res.end(close);
  } finally {
    await records.return?.();
  }
}
