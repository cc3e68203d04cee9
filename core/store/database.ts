// Opening the database: a SQLite file (pragmas, the schema check, a backup, then pending
// migrations) or a PostgreSQL database named by a `postgres://` URL (the schema check, the
// operator's confirmation that a backup exists, then pending migrations).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations as knownMigrations, type Migration } from '../../migrations/index.js';
import type { Db } from './db.js';
import { isSqlite, strictTable } from './dialect.js';
import { PgDatabase } from './pg/pg-database.js';
import { SQLITE_FUNCTIONS } from './pg/sqlite-functions.js';
import { openYearPartitions } from './partitions.js';
import { BUSY_TIMEOUT_MS, openSqlite, type Sqlite } from './sqlite.js';

export class DatabaseError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'DatabaseError';
  }
}

export interface OpenOptions {
  /** Path of the database file, ':memory:', or a PostgreSQL URL (`postgres://USER@HOST/DB`). */
  file: string;
  /**
   * PostgreSQL: the operator took a backup (pg_dump) of a database that has pending
   * migrations (`--i-have-a-backup`). Without it such a database is refused.
   */
  backupConfirmed?: boolean;
  /** Migrations to apply; defaults to the app's static list (tests pass a prefix of it). */
  migrations?: readonly Migration[];
  /** Clock for migration timestamps and backup names. */
  now?: () => Date;
  readonly?: boolean;
  /** Path of a better-sqlite3 binding built for another runtime (Electron's ABI). */
  nativeBinding?: string;
  /**
   * Passphrase of an encrypted database. Undefined: taken from the environment
   * (`VENTIL_DB_KEY`, or the file named by `VENTIL_DB_KEY_FILE`), if set; null: no encryption.
   */
  key?: string | null;
}

/** The database key given to the process: `VENTIL_DB_KEY`, else the file `VENTIL_DB_KEY_FILE`. */
export function keyFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.VENTIL_DB_KEY) return env.VENTIL_DB_KEY;
  if (env.VENTIL_DB_KEY_FILE) return readKeyFile(env.VENTIL_DB_KEY_FILE);
  return null;
}

/** A key file holds the passphrase on its first line (trailing newline and spaces ignored). */
export function readKeyFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DatabaseError('key_file_unreadable', `cannot read the key file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const key = text.split(/\r?\n/)[0]!.trim();
  if (key.length < 16) throw new DatabaseError('key_too_short', `the key in ${path} is shorter than 16 characters`);
  return key;
}

export interface MigrationReport { applied: string[]; backup: string | null }

/** True when `--db`/`VENTIL_DB` names a PostgreSQL database rather than a SQLite file. */
export const isPostgresUrl = (file: string): boolean => /^postgres(ql)?:\/\//.test(file);

/** The URL without its password, for messages and logs. */
export const redactedUrl = (url: string): string => url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');

export function openDatabase(options: OpenOptions): { db: Db; migrated: MigrationReport } {
  if (isPostgresUrl(options.file)) return openPostgres(options);
  return openSqliteDatabase(options);
}

/** A SQLite database (file or memory), as the SQLite-only code (encryption, backups) needs it. */
export function openSqliteDatabase(options: OpenOptions): { db: Sqlite; migrated: MigrationReport } {
  const { file } = options;
  if (file !== ':memory:' && !options.readonly) mkdirSync(dirname(file), { recursive: true });
  if (options.readonly && file !== ':memory:' && !existsSync(file)) {
    throw new DatabaseError('db_not_found', `no database at ${file}`);
  }
  const key = options.key === undefined ? keyFromEnvironment() : options.key;
  const db = openSqlite(file, { readonly: options.readonly ?? false, ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}), key });
  try {
    assertReadable(db, file, key !== null && file !== ':memory:');
    if (!options.readonly) {
      if (file !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    }
    db.pragma('foreign_keys = ON');
    // Up to 256 MiB of page cache (allocated only as pages are read): a large settlement writes
    // into several big indexes at once, and past the cache every insert becomes a disk read.
    db.pragma('cache_size = -262144');
    // A writer waits this long for another connection's write lock (every write transaction
    // begins IMMEDIATE, so the wait applies), then fails with SQLITE_BUSY (`database_busy`).
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const migrated = options.readonly
      ? { applied: [], backup: null }
      : migrate(db, file, options.migrations ?? knownMigrations, options.now ?? (() => new Date()));
    return { db, migrated };
  } catch (e) {
    db.close();
    throw e;
  }
}

function openPostgres(options: OpenOptions): { db: Db; migrated: MigrationReport } {
  const { file } = options;
  if (typeof options.key === 'string') {
    throw new DatabaseError('db_key_not_applicable', 'a database key encrypts SQLite files; PostgreSQL\'s data is protected by its server (docs/deployment.md)');
  }
  let db: PgDatabase;
  try {
    db = new PgDatabase(file);
  } catch (e) {
    throw new DatabaseError('db_unreachable', `cannot open ${redactedUrl(file)}: ${(e as Error).message}`);
  }
  try {
    if (options.readonly) db.exec('SET default_transaction_read_only = on');
    const migrated = options.readonly
      ? { applied: [], backup: null }
      : migrate(db, file, options.migrations ?? knownMigrations, options.now ?? (() => new Date()), { backupConfirmed: options.backupConfirmed ?? false });
    if (!options.readonly) openYearPartitions(db, (options.now ?? (() => new Date()))());
    return { db, migrated };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Reads the schema once, so a missing or wrong key is a named error rather than a later crash. */
function assertReadable(db: Sqlite, file: string, keyed: boolean): void {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (e) {
    if ((e as { code?: string }).code !== 'SQLITE_NOTADB') throw e;
    throw keyed
      ? new DatabaseError('db_key_rejected', `the key does not open ${file} (wrong key, or the database is not encrypted)`)
      : new DatabaseError('db_encrypted', `${file} is encrypted (or not a SQLite database): give its key with VENTIL_DB_KEY or --key-file`);
  }
}

/**
 * Applies pending migrations, each in its own transaction with its bookkeeping row.
 * Refuses a database that has migrations this build does not know (written by a newer Ventil),
 * and backs up a non-empty SQLite database before changing its schema (PostgreSQL: refuses it
 * unless the operator confirms a backup exists). On PostgreSQL, one process migrates at a time.
 */
export function migrate(db: Db, file: string, list: readonly Migration[], now: () => Date, opts: { backupConfirmed?: boolean } = {}): MigrationReport {
  if (isSqlite(db)) return migrateLocked(db, file, list, now, opts);
  db.prepare('SELECT pg_advisory_lock(?)').get(MIGRATION_LOCK);
  try {
    return migrateLocked(db, file, list, now, opts);
  } finally {
    db.prepare('SELECT pg_advisory_unlock(?)').get(MIGRATION_LOCK);
  }
}

/** The advisory lock key of migrations on PostgreSQL (any constant other locks do not use). */
const MIGRATION_LOCK = 7_466_110;

function migrateLocked(db: Db, file: string, list: readonly Migration[], now: () => Date, opts: { backupConfirmed?: boolean }): MigrationReport {
  if (!isSqlite(db)) db.exec(SQLITE_FUNCTIONS);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)${strictTable(db)}`);
  const applied = new Set(
    (db.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name),
  );
  const known = new Set(list.map((m) => m.name));
  const unknown = [...applied].filter((n) => !known.has(n)).sort();
  if (unknown.length > 0) {
    throw new DatabaseError(
      'db_too_new',
      `the database has migrations this version of Ventil does not know (${unknown.join(', ')}); ` +
        'update Ventil before opening it',
    );
  }
  const pending = list.filter((m) => !applied.has(m.name));
  if (pending.length === 0) return { applied: [], backup: null };

  let backup: string | null = null;
  if (!isSqlite(db)) {
    if (applied.size > 0 && !opts.backupConfirmed) throw backupRequired(file, pending[0]!.name);
  } else if (file !== ':memory:' && applied.size > 0) {
    const stamp = now().toISOString().replace(/[:.]/g, '-');
    backup = `${file}.backup-${stamp}-before-${pending[0]!.name}`;
    // VACUUM INTO writes a consistent copy including what is still in the WAL.
    db.prepare('VACUUM INTO ?').run(backup);
  }
  const record = db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      m.up(db);
      record.run(m.name, now().toISOString());
    }).immediate();
  }
  return { applied: pending.map((m) => m.name), backup };
}

/** PostgreSQL has no VACUUM INTO: the operator's backup, with the command that takes it. */
function backupRequired(url: string, next: string): DatabaseError {
  return new DatabaseError(
    'backup_required',
    `${redactedUrl(url)} has migrations to apply (from ${next}); take a backup first ` +
      `(pg_dump --format=custom --file=ventil-before-${next}.dump "${redactedUrl(url)}"), ` +
      'then run again with --i-have-a-backup',
  );
}
