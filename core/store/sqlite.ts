// The one place that loads the SQLite driver. Everything else receives a `Sqlite` handle.
//
// The driver is better-sqlite3-multiple-ciphers: better-sqlite3's API over SQLite3 Multiple
// Ciphers, which encrypts the whole file (pages, WAL, and VACUUM INTO backups) when a key is
// given, in SQLCipher 4's format (docs/decisions/0006-encryption.md). Without a key it reads
// and writes ordinary SQLite files, with better-sqlite3's API and typings.
import type Database from 'better-sqlite3-multiple-ciphers';
import Ciphers from 'better-sqlite3-multiple-ciphers';

export type Sqlite = Database.Database;
export type Statement = Database.Statement<unknown[], unknown>;
export interface SqliteOptions extends Database.Options {
  /** Passphrase of an encrypted database (SQLCipher 4 scheme). Absent or null: not encrypted. */
  key?: string | null;
}

const Driver = Ciphers as unknown as typeof Database;

/** How long a write transaction waits for another connection's write lock (docs/deployment.md). */
export const BUSY_TIMEOUT_MS = 5000;

/** The database's answer when another connection kept the write lock past BUSY_TIMEOUT_MS. */
export function isDatabaseBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export class EncryptionUnavailableError extends Error {
  readonly code = 'encryption_unavailable';
  constructor() {
    super('this SQLite build cannot encrypt (the native module is not SQLite3 Multiple Ciphers); refusing to open the database unencrypted');
    this.name = 'EncryptionUnavailableError';
  }
}

/** SQL text literal: the key goes into a PRAGMA, which takes no bound parameters. */
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

const probed = new Map<string, boolean>();

/**
 * True when the native module is SQLite3 Multiple Ciphers (it can encrypt). Probed on an
 * in-memory connection: on an encrypted file, any statement fails before the key is set.
 */
export function canEncrypt(nativeBinding?: string): boolean {
  const id = nativeBinding ?? '';
  let ok = probed.get(id);
  if (ok === undefined) {
    const probe = new Driver(':memory:', nativeBinding ? { nativeBinding } : {});
    try {
      probe.prepare('SELECT sqlite3mc_version()').get();
      ok = true;
    } catch {
      ok = false;
    } finally {
      probe.close();
    }
    probed.set(id, ok);
  }
  return ok;
}

/** The pragmas that set the cipher and key; they must be the first thing done on a connection. */
export const keyPragmas = (key: string): string[] => ["cipher = 'sqlcipher'", 'legacy = 4', `key = ${literal(key)}`];

function applyKey(db: Sqlite, key: string): void {
  for (const p of keyPragmas(key)) db.pragma(p);
}

/** How a connection was opened (its key and binding), for another thread that opens the same file (checkpoint.ts). */
export interface SqliteOrigin { key: string | null; nativeBinding: string | null }
const origins = new WeakMap<Sqlite, SqliteOrigin>();
export const originOf = (db: Sqlite): SqliteOrigin | undefined => origins.get(db);

/** Encrypts an open plaintext database in place (journal mode must not be WAL). */
export function rekeyPlaintext(db: Sqlite, key: string, nativeBinding?: string): void {
  if (!canEncrypt(nativeBinding)) throw new EncryptionUnavailableError();
  db.pragma("cipher = 'sqlcipher'");
  db.pragma('legacy = 4');
  db.pragma(`rekey = ${literal(key)}`);
}

export function openSqlite(file: string, options: SqliteOptions = {}): Sqlite {
  const { key, ...rest } = options;
  const db = new Driver(file, rest);
  if (key !== undefined && key !== null && file !== ':memory:') {
    if (!canEncrypt(rest.nativeBinding)) {
      db.close();
      throw new EncryptionUnavailableError();
    }
    try {
      applyKey(db, key);
    } catch (e) {
      db.close();
      throw e;
    }
  }
  origins.set(db, { key: key ?? null, nativeBinding: rest.nativeBinding ?? null });
  return db;
}
