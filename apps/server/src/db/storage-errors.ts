/**
 * True for errors that mean "storage is away for now", not "this command is wrong": the database
 * refused or dropped the connection, timed out, or (SQLite) the file is locked or unreadable. Such a
 * command changed nothing (its transaction did not commit) and may simply be tried again.
 */
export function isStorageUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    // better-sqlite3: SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR_*, SQLITE_CANTOPEN, SQLITE_FULL…
    if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY|PROTOCOL)/.test(code)) return true;
    // Node sockets (pg connecting or connected).
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
    // PostgreSQL: connection exceptions (08…), shutdown / cannot connect now (57P…), too many connections,
    // statement timeout, serialization conflicts that a retry resolves.
    if (/^(08|57P)/.test(code) || ['53300', '57014', '40001', '40P01'].includes(code)) return true;
  }
  // pg's own messages for a dead or slow connection.
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error/i.test(
    err.message,
  );
}

/** True when a statement broke a unique constraint (SQLite `SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL 23505). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
