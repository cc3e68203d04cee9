// Which SQL a connection speaks. The PostgreSQL connection says so in its `dialect` property;
// a better-sqlite3 handle has none. SQL that differs by dialect branches on dialectOf(db).
import type { Db } from './db.js';
import type { Sqlite } from './sqlite.js';

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Db): Dialect {
  return db.dialect === 'postgres' ? 'postgres' : 'sqlite';
}

/** True on a better-sqlite3 handle: guards SQLite-only calls (pragmas, `db.function`). */
export function isSqlite(db: Db): db is Sqlite {
  return dialectOf(db) === 'sqlite';
}

export interface ColumnInfo {
  name: string;
  /** Declared type: SQLite's as written (INTEGER, TEXT...), PostgreSQL's as format_type prints it. */
  type: string;
  /** Position in the primary key (1, 2, ...), 0 when not part of it. */
  pk: number;
}

/** The columns of a table in schema order: `PRAGMA table_info` on SQLite, the catalog on PostgreSQL. */
export function columnsOf(db: Db, table: string): ColumnInfo[] {
  if (isSqlite(db)) return db.pragma(`table_info(${JSON.stringify(table)})`) as ColumnInfo[];
  return db.prepare(`SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, coalesce((SELECT k.n FROM unnest(i.indkey) WITH ORDINALITY AS k(att, n) WHERE k.att = a.attnum), 0)::int AS pk
    FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
    WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`).all(table) as ColumnInfo[];
}

/** The table option of the store's tables: SQLite checks column types only in STRICT tables. */
export function strictTable(db: Db): string {
  return isSqlite(db) ? ' STRICT' : '';
}

/** Whether a table exists (SQLite's sqlite_master, PostgreSQL's catalog). */
export function tableExists(db: Db, table: string): boolean {
  const sql = isSqlite(db) ? "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?" : 'SELECT 1 WHERE to_regclass(?) IS NOT NULL';
  return db.prepare(sql).get(table) !== undefined;
}

/** Names of the triggers on a table. */
export function triggerNames(db: Db, table: string): string[] {
  const sql = isSqlite(db)
    ? "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
    : 'SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(?) AND NOT tgisinternal';
  return db.prepare(sql).pluck().all(table) as string[];
}

/**
 * The SQL of the highest id an AUTOINCREMENT table has handed out, for writers that number rows
 * themselves. SQLite remembers ids of deleted rows in sqlite_sequence; the PostgreSQL tables
 * numbered this way are append-only, so their maximum is that id.
 */
export function lastIdSql(db: Db, table: string): string {
  return isSqlite(db)
    ? `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '${table}'), 0), coalesce((SELECT max(id) FROM ${table}), 0))`
    : `SELECT coalesce(max(id), 0) FROM ${table}`;
}

/**
 * `column IN` a list of keys given as one parameter: a JSON array read by json_each on SQLite, a
 * text array on PostgreSQL (json_each there is a compatibility function: 1.3 s per 5,000 keys).
 */
export function keyList(db: Db): { sql: string; param(keys: readonly string[]): unknown } {
  return isSqlite(db)
    ? { sql: 'IN (SELECT value FROM json_each(?))', param: (keys) => JSON.stringify(keys) }
    : { sql: '= ANY(?::text[])', param: (keys) => [keys] };
}

/**
 * Serializes, until the end of the transaction, the writers that read then write something only
 * one may write at a time: gapless numbers and ids given by the store (the journal, invoices), a
 * network's release run. SQLite has one writer at a time already; PostgreSQL takes an advisory
 * transaction lock on the name, so a second hub process waits instead of reading the same state.
 */
export function lockUntilCommit(db: Db, name: string): void {
  if (!isSqlite(db)) db.prepare('SELECT pg_advisory_xact_lock(hashtext(?))').get(`ventil:${name}`);
}

/** The advisory lock's name (lockUntilCommit's naming). */
const INTAKE_LOCK = 'ventil:intake';

/**
 * Orders and events are numbered (`seq`) when written but seen by others only once their
 * transaction commits, so on PostgreSQL a reader of max(seq) could move a cursor past a number
 * that a transaction still in flight holds, and never see its row. Writers of orders and events
 * hold this lock shared until they commit (they do not wait for each other); the routing tick,
 * which moves its cursors up to max(seq), takes it exclusively with `intakeQuiet`. SQLite has
 * one writer at a time: nothing to do.
 */
export function intakeWriting(db: Db): void {
  if (!isSqlite(db)) db.prepare('SELECT pg_advisory_xact_lock_shared(hashtext(?))').get(INTAKE_LOCK);
}

/**
 * True once no writer of orders or events is in flight (until commit, new ones wait). Waits up to
 * `waitMs` for those in flight, so that a steady stream of short intakes cannot starve the
 * routing tick, and says false past that (a long import). Always true on SQLite.
 */
export function intakeQuiet(db: Db, waitMs: number): boolean {
  if (isSqlite(db)) return true;
  try {
    // In a savepoint: a lock timeout undoes it (and its SET LOCAL), not the caller's transaction.
    db.transaction(() => {
      db.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(waitMs))}`);
      db.prepare('SELECT pg_advisory_xact_lock(hashtext(?))').get(INTAKE_LOCK);
      db.exec('SET LOCAL lock_timeout = DEFAULT');
    })();
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === '55P03') return false; // lock_not_available
    throw e;
  }
}
