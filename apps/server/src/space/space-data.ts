import type { Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import { isPostgres } from '../db/dialect.js';
import { keysetPages } from '../db/keyset.js';
import type { Database } from '../db/schema.js';
import type { ExportRecord, FeatureData, RetentionRule } from '../feature.js';

/** The version of the export's records; it changes when a record loses or changes a field. */
const EXPORT_VERSION = 1;

/**
 * A deletion that lost a deadlock to a command writing in the space meanwhile (PostgreSQL picks one of the
 * two) runs again; so does one that met a row written just before its locks (a foreign key violation).
 */
const DELETE_RETRY_CODES = new Set<unknown>(['40P01', '40001', '23503']);
const DELETE_ATTEMPTS = 3;

/** A whole space's data, across the core tables and every feature's (each declares its own `data`). */
export interface SpaceData {
  /**
   * Every record of the space: `export` (what this file is), the space, its settings and members, then each
   * feature's records in the app's order. Read page by page as the consumer asks, not as one snapshot.
   */
  export(space: string): AsyncIterable<ExportRecord>;
  /**
   * Deletes every row of the space in one transaction: each feature's tables, then the core ones (everything
   * refers to users and spaces). False, with nothing changed, when there is no such space.
   */
  delete(space: string): Promise<boolean>;
  /** Drops what this node holds in memory of a deleted space, in every feature. */
  forget(space: string): void;
  /** Every feature's retention rules. */
  retentionRules(): RetentionRule[];
}

/**
 * Composes the data parts of the app's features (read when used: the features are built after the context
 * that carries this) with the core tables of `space/` and `session/`.
 */
export function composeSpaceData(
  db: Db,
  now: () => number,
  parts: () => readonly (FeatureData | undefined)[],
): SpaceData {
  const features = () => parts().filter((part): part is FeatureData => part !== undefined);

  return {
    async *export(space) {
      yield { type: 'export', version: EXPORT_VERSION, space, exportedAt: now() };
      yield* exportCore(db, space);
      for (const part of features()) if (part.exportSpace) yield* part.exportSpace(space);
    },
    async delete(space) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(async (trx) => {
            if (!(await lockCore(trx, space))) return false;
            for (const part of features()) await part.deleteSpace?.(trx, space);
            await deleteCore(trx, space);
            return true;
          });
        } catch (err) {
          if (attempt >= DELETE_ATTEMPTS || !DELETE_RETRY_CODES.has((err as { code?: unknown }).code)) throw err;
        }
      }
    },
    forget(space) {
      for (const part of features()) part.forgetSpace?.(space);
    },
    retentionRules: () => features().flatMap((part) => part.retention ?? []),
  };
}

async function* exportCore(db: Db, space: string): AsyncGenerator<ExportRecord> {
  const row = await db
    .selectFrom('spaces')
    .select([
      'slug',
      'created_at',
      'visibility',
      'lock_shared_settings',
      'reading_retention_days',
      'message_retention_days',
    ])
    .where('slug', '=', space)
    .executeTakeFirst();
  if (!row) return;
  yield { type: 'space', slug: row.slug, createdAt: row.created_at };
  yield {
    type: 'settings',
    scope: 'space',
    visibility: row.visibility,
    lockSharedSettings: row.lock_shared_settings === 1,
    readingRetentionDays: row.reading_retention_days,
    messageRetentionDays: row.message_retention_days,
  };
  // Removed members too: their messages still name them. Devices, invites and device links are left out:
  // they are sign-in secrets and browser fingerprints, not the team's data.
  const members = keysetPages(
    (after: string | undefined, limit) => {
      let page = db
        .selectFrom('users')
        .select(['id', 'name', 'role', 'created_at', 'removed_at'])
        .where('space', '=', space);
      if (after !== undefined) page = page.where('id', '>', after);
      return page.orderBy('id').limit(limit).execute();
    },
    (r) => r.id,
  );
  for await (const m of members) {
    yield { type: 'member', id: m.id, name: m.name, role: m.role, joinedAt: m.created_at, removedAt: m.removed_at };
  }
}

/**
 * Locks the space and its users first (PostgreSQL): a row that refers to them, written meanwhile by a
 * command or a device, then waits for the deletion and fails, instead of failing the deletion.
 */
async function lockCore(trx: Transaction<Database>, space: string): Promise<boolean> {
  const postgres = isPostgres(trx);
  const found = await trx
    .selectFrom('spaces')
    .select('slug')
    .where('slug', '=', space)
    .$if(postgres, (q) => q.forUpdate())
    .executeTakeFirst();
  if (!found) return false;
  if (postgres) await trx.selectFrom('users').select('id').where('space', '=', space).forUpdate().execute();
  return true;
}

async function deleteCore(trx: Transaction<Database>, space: string): Promise<void> {
  const usersOfSpace = trx.selectFrom('users').select('id').where('space', '=', space);
  await trx.deleteFrom('devices').where('user_id', 'in', usersOfSpace).execute();
  await trx.deleteFrom('session_revocations').where('user_id', 'in', usersOfSpace).execute();
  await trx.deleteFrom('device_links').where('user_id', 'in', usersOfSpace).execute();
  await trx.deleteFrom('invites').where('space', '=', space).execute();
  await trx.deleteFrom('users').where('space', '=', space).execute();
  await trx.deleteFrom('spaces').where('slug', '=', space).execute();
}
