import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  type LogEvent,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteDialect,
  sql,
} from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** A query that has not answered by then fails (UNAVAILABLE to the client) instead of hanging. */
const QUERY_TIMEOUT_MS = 5000;

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, an SQLite file under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Called after every query, with its duration (for metrics). */
  onQuery?: ((event: LogEvent) => void) | undefined;
  /** A PostgreSQL connection failed, idle or in use (the pool replaces it by itself). */
  onConnectionError?: ((err: Error) => void) | undefined;
}

const PG_INT8 = 20;

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(options: DatabaseOptions): Promise<{ db: Db; kind: 'sqlite' | 'postgres' }> {
  const kind = options.databaseUrl ? 'postgres' : 'sqlite';
  const db = new Kysely<Database>({
    dialect: options.databaseUrl
      ? postgresDialect(options.databaseUrl, options.onConnectionError)
      : sqliteDialect(options.dataDir),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
  try {
    if (options.databaseUrl) {
      // Migrations get a connection without the query timeout: nodes starting together wait on one
      // another's migration lock for as long as that migration takes.
      const migrator = new Kysely<unknown>({ dialect: postgresDialect(options.databaseUrl, undefined, 0) });
      try {
        await migrateToLatest(migrator);
      } finally {
        await migrator.destroy();
      }
    } else {
      await migrateToLatest(db as Kysely<unknown>);
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, kind };
}

function sqliteDialect(dataDir: string): SqliteDialect {
  mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(path.join(dataDir, 'huddle.sqlite'));
  // WAL: readers never block the writer; NORMAL sync is durable across process crashes.
  file.pragma('journal_mode = WAL');
  file.pragma('synchronous = NORMAL');
  file.pragma('foreign_keys = ON');
  // Only another process can hold the lock (this one is the only writer); the wait blocks the event loop,
  // so it is short: a command then fails with UNAVAILABLE instead of stalling every other client.
  file.pragma('busy_timeout = 250');
  return new SqliteDialect({ database: withStatementCache(file) });
}

/** Distinct SQL texts kept prepared; the app's queries are a few dozen shapes. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver calls `prepare(sql)` for every query it runs, and SQLite then parses and plans
 * the same text again each time: over a quarter of the server's storage CPU under load (bench/README.md,
 * finding 3). Here each text is prepared once, the least recently used evicted. Reuse is safe: Kysely
 * holds its one SQLite connection for a whole query, transaction or stream, so a statement never runs
 * twice at once.
 */
function withStatementCache(file: SQLite.Database, size = STATEMENT_CACHE_SIZE) {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => void file.close(),
    prepare(sql: string): SQLite.Statement {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = file.prepare(sql);
        if (statements.size >= size) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

function postgresDialect(
  connectionString: string,
  onConnectionError: (err: Error) => void = () => {},
  queryTimeoutMs = QUERY_TIMEOUT_MS,
): PostgresDialect {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: 3000,
    // Client-side: also ends a query whose server went silent (a cut network), which statement_timeout cannot.
    ...(queryTimeoutMs > 0 ? { query_timeout: queryTimeoutMs } : {}),
    keepAlive: true,
    types: {
      getTypeParser: (oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format),
    } as pg.CustomTypesConfig,
  });
  // A connection that dies (server restart, network cut) emits 'error' on its client; unhandled, that
  // crashes the process. The pool listens only while a client is idle, and Kysely not at all while one
  // is checked out, so every client gets a listener of its own for its whole life. A query in flight
  // fails by itself (UNAVAILABLE), and the pool drops the dead client on release and reconnects later.
  pool.on('connect', (client) => client.on('error', onConnectionError));
  // The pool repeats here what its idle clients emit: already reported by the listener above.
  pool.on('error', () => {});
  return new PostgresDialect({ pool: closingTimedOutConnections(pool) });
}

/**
 * The pool as Kysely uses it, with one difference: a query that timed out (query_timeout) closes its
 * connection. pg keeps such a client waiting for the lost answer, which never comes once the network
 * has gone silent, and the pool would hand it out again: every later query on it would time out too, so
 * the server would not recover when the database returns. Closed, the client fails the rest of its
 * command at once (a ROLLBACK does not wait another timeout) and the pool drops it on release.
 */
function closingTimedOutConnections(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      const query = async (sql: string, parameters: readonly unknown[]) => {
        try {
          return await client.query(sql, [...parameters]);
        } catch (err) {
          if (err instanceof Error && err.message === 'Query read timeout') client.connection.stream.destroy();
          throw err;
        }
      };
      // Kysely calls only query(sql, parameters) (the cursor form needs a cursor, not configured here) and
      // reads command, rowCount and rows, which pg's result has.
      return { query, release: () => client.release() } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** Readiness probe: one round trip to the database. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
