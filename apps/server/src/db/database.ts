import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SQLite from 'better-sqlite3';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type LogEvent,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/** A query that has not answered by then fails (UNAVAILABLE to the client) instead of hanging. */
const QUERY_TIMEOUT_MS = 5000;

/** How long a write waits for another process's lock on the SQLite file before it fails (UNAVAILABLE): the storage-outage scenario promises an answer within a second. */
export const SQLITE_LOCK_WAIT_MS = 500;

export interface PostgresTimeouts {
  /** PostgreSQL ends a statement that runs longer (`statement_timeout`). */
  statementTimeoutMs: number;
  /** PostgreSQL closes a session left idle inside a transaction this long (`idle_in_transaction_session_timeout`). */
  idleInTransactionTimeoutMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  statementTimeoutMs: 4000,
  idleInTransactionTimeoutMs: 10_000,
};

export interface DatabaseOptions {
  /** PostgreSQL connection string; when absent, an SQLite file under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** SQLite's `synchronous`: NORMAL (with WAL, a power cut may lose the last commits) or FULL. */
  sqliteSynchronous?: 'NORMAL' | 'FULL' | undefined;
  postgresTimeouts?: PostgresTimeouts | undefined;
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
      ? postgresDialect(options.databaseUrl, options.onConnectionError, options.postgresTimeouts)
      : sqliteDialect(options.dataDir, options.sqliteSynchronous),
    ...(options.onQuery ? { log: options.onQuery } : {}),
  });
  try {
    if (options.databaseUrl) {
      // Migrations get a connection without timeouts: nodes starting together wait on one another's
      // migration lock for as long as that migration takes.
      const migrator = new Kysely<unknown>({ dialect: postgresDialect(options.databaseUrl, undefined, null) });
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

function sqliteDialect(dataDir: string, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): SqliteDialect {
  mkdirSync(dataDir, { recursive: true });
  const file = new SQLite(path.join(dataDir, 'huddle.sqlite'));
  // WAL: readers never block the writer. NORMAL sync survives a process crash; FULL also a power cut.
  file.pragma('journal_mode = WAL');
  file.pragma(`synchronous = ${synchronous}`);
  file.pragma('foreign_keys = ON');
  // Only another process can hold the lock (this one is the only writer). SQLite's own wait
  // (busy_timeout) would block the event loop, once for every queued write: a write that finds the
  // file locked fails at once here and is retried after an asynchronous pause instead.
  file.pragma('busy_timeout = 0');
  return new WaitingSqliteDialect({ database: withStatementCache(file) });
}

/** SQLite, whose writes wait for another process's lock without blocking the event loop. */
class WaitingSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new WaitingSqliteDriver(this.#config);
  }
}

/**
 * Kysely runs SQLite's statements one at a time on its one connection. A statement refused with
 * SQLITE_BUSY is tried again after 2, 4, 8… (at most 50) ms of asynchronous waiting, while the
 * statements behind it wait their turn; it fails SQLITE_LOCK_WAIT_MS after it asked for the connection.
 * The loop never blocks on the lock, and queued writes do not wait one after another.
 * SQLITE_BUSY_SNAPSHOT (a transaction whose snapshot went stale) is not retried: only its whole
 * transaction could be.
 */
class WaitingSqliteDriver extends SqliteDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    const deadline = performance.now() + SQLITE_LOCK_WAIT_MS;
    const connection = await super.acquireConnection();
    return {
      async executeQuery<R>(query: CompiledQuery) {
        for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
          try {
            return await connection.executeQuery<R>(query);
          } catch (err) {
            if ((err as { code?: unknown }).code !== 'SQLITE_BUSY' || performance.now() + pause > deadline) throw err;
            await sleep(pause);
          }
        }
      },
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
  }
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
  timeouts: PostgresTimeouts | null = DEFAULT_POSTGRES_TIMEOUTS,
): PostgresDialect {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    connectionTimeoutMillis: 3000,
    ...(timeouts
      ? {
          // Client-side: also ends a query whose server went silent (a cut network), which statement_timeout cannot.
          query_timeout: QUERY_TIMEOUT_MS,
          // Server-side, below the client's: the server stops a runaway statement itself and the connection
          // stays usable; a transaction left open (a stuck node) does not hold its locks for long.
          statement_timeout: timeouts.statementTimeoutMs,
          idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
        }
      : {}),
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
