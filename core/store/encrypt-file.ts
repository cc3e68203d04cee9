// Turning an existing plaintext database file into an encrypted one (the desktop app's first
// start with encryption on a database created before it). The original is replaced only once
// the encrypted copy has been checked; plaintext backups beside it are removed, since they
// would keep in clear what the encryption protects (docs/decisions/0006-encryption.md).
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { openSqlite, rekeyPlaintext } from './sqlite.js';

/** True when the file opens as SQLite without a key. */
export function isPlaintextDatabase(file: string, nativeBinding?: string): boolean {
  const db = openSqlite(file, { readonly: true, fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_NOTADB') return false;
    throw e;
  } finally {
    db.close();
  }
}

export interface EncryptReport { encrypted: boolean; removedBackups: string[] }

export function encryptDatabaseFile(file: string, key: string, nativeBinding?: string): EncryptReport {
  const binding = nativeBinding ? { nativeBinding } : {};
  if (!existsSync(file) || !isPlaintextDatabase(file, nativeBinding)) return { encrypted: false, removedBackups: [] };
  const tmp = `${file}.encrypting`;
  rmSync(tmp, { force: true });
  const plain = openSqlite(file, binding);
  try {
    // A consistent copy including what is still in the WAL, in rollback-journal mode (rekey needs it).
    plain.prepare('VACUUM INTO ?').run(tmp);
  } finally {
    plain.close();
  }
  try {
    const copy = openSqlite(tmp, binding);
    try {
      copy.pragma('journal_mode = DELETE');
      rekeyPlaintext(copy, key, nativeBinding);
    } finally {
      copy.close();
    }
    const check = openSqlite(tmp, { ...binding, key });
    try {
      const result = check.pragma('integrity_check', { simple: true });
      if (result !== 'ok') throw new Error(`the encrypted copy of ${file} fails its integrity check: ${String(result)}`);
    } finally {
      check.close();
    }
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  rmSync(`${file}-wal`, { force: true });
  rmSync(`${file}-shm`, { force: true });
  renameSync(tmp, file);
  const removedBackups: string[] = [];
  const prefix = `${basename(file)}.backup-`;
  for (const name of readdirSync(dirname(file))) {
    const path = join(dirname(file), name);
    if (name.startsWith(prefix) && isPlaintextDatabase(path, nativeBinding)) {
      rmSync(path, { force: true });
      removedBackups.push(path);
    }
  }
  return { encrypted: true, removedBackups };
}
