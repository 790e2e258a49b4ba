import { type DialectAdapter, PostgresAdapter } from 'kysely';

/**
 * Whether `db` talks to PostgreSQL: row locks (`FOR UPDATE`, `SKIP LOCKED`) exist there only. SQLite
 * needs none: it has one writer, and Kysely runs a transaction on its one connection from start to end.
 */
export function isPostgres(db: { getExecutor(): { readonly adapter: DialectAdapter } }): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
