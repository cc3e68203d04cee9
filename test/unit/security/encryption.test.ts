// Encryption at rest (docs/decisions/0006-encryption.md): a database opened with a key is
// unreadable without it, on disk and in its migration backups; the command line takes the key
// from VENTIL_DB_KEY or --key-file; the desktop keeps a random key under the OS keychain.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { DatabaseError, openDatabase } from '../../../core/store/database.js';
import { encryptDatabaseFile, isPlaintextDatabase } from '../../../core/store/encrypt-file.js';
import { canEncrypt, openSqlite } from '../../../core/store/sqlite.js';
import { DEVICE_FILE_NAME, KEY_FILE_NAME, loadOrCreateDatabaseKey, sealedDeviceCredentials, type SafeStorageLike } from '../../../electron/keystore.js';
import { fileCredentialStore, sealedCredentialStore } from '../../../core/replication/credentials.js';
import { ventil } from '../../helpers/cli.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';

const KEY = 'correct horse battery staple, but for a database';
const MARKER = 'Boulangerie-Secrete-4711';

const t = tempDir('ventil-crypto-');
afterAll(() => t.cleanup());

/** Every byte the database left on disk: the file, its WAL and shared memory. */
function onDisk(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f)));
}

function addEntity(db: ReturnType<typeof openDatabase>['db']) {
  db.prepare("INSERT INTO entities (id, name, kind, siren) VALUES ('SECRET', ?, 'franchisee', '552100554')").run(MARKER);
}

const code = (f: () => unknown) => {
  try { f(); } catch (e) { return (e as DatabaseError).code; }
  return 'opened';
};

describe('an encrypted database', () => {
  const file = join(t.dir, 'encrypted.db');

  it('runs on SQLite3 Multiple Ciphers', () => {
    expect(canEncrypt()).toBe(true);
  });

  it('keeps no plaintext on disk, even while open', () => {
    const { db } = openDatabase({ file, key: KEY, now: () => FROZEN_NOW });
    addEntity(db);
    expect(onDisk(file).includes(MARKER)).toBe(false); // WAL pages are encrypted too
    db.close();
    expect(onDisk(file).includes(MARKER)).toBe(false);
    expect(readFileSync(file).subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  });

  it('cannot be opened without its key, nor with another', () => {
    expect(code(() => openDatabase({ file, key: null }))).toBe('db_encrypted');
    expect(code(() => openDatabase({ file, key: 'another key entirely, same length' }))).toBe('db_key_rejected');
    expect(isPlaintextDatabase(file)).toBe(false);
  });

  it('opens with its key', () => {
    const { db } = openDatabase({ file, key: KEY });
    expect(db.prepare("SELECT name FROM entities WHERE id = 'SECRET'").pluck().get()).toBe(MARKER);
    db.close();
  });

  it('backs up encrypted before a migration', () => {
    const older = join(t.dir, 'older.db');
    const first = openDatabase({ file: older, key: KEY, migrations: migrations.slice(0, 1), now: () => FROZEN_NOW });
    addEntity(first.db);
    first.db.close();
    const later = openDatabase({ file: older, key: KEY, now: () => FROZEN_NOW });
    later.db.close();
    const backup = later.migrated.backup!;
    expect(backup).toMatch(/older\.db\.backup-/);
    expect(readFileSync(backup).includes(MARKER)).toBe(false);
    const b = openSqlite(backup, { key: KEY, readonly: true });
    expect(b.prepare("SELECT name FROM entities WHERE id = 'SECRET'").pluck().get()).toBe(MARKER);
    b.close();
  });

  it('is opened by the command line with VENTIL_DB_KEY or --key-file, and refused without', () => {
    const keyFile = join(t.dir, 'db.key');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    expect(ventil(['audit', 'verify', '--db', file], { VENTIL_DB_KEY: KEY })).toMatchObject({ status: 0 });
    expect(ventil(['audit', 'verify', '--db', file, '--key-file', keyFile])).toMatchObject({ status: 0 });
    expect(ventil(['init', '--db', file], { VENTIL_DB_KEY_FILE: keyFile })).toMatchObject({ status: 0 });
    const refused = ventil(['init', '--db', file], { VENTIL_DB_KEY: '' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/is encrypted .*VENTIL_DB_KEY or --key-file \[db_encrypted\]/);
  });
});

describe('encrypting an existing plaintext database', () => {
  it('replaces it with an encrypted copy and removes plaintext backups', () => {
    const file = join(t.dir, 'plain.db');
    const { db } = openDatabase({ file, key: null, migrations: migrations.slice(0, 1), now: () => FROZEN_NOW });
    addEntity(db);
    db.close();
    openDatabase({ file, key: null, now: () => FROZEN_NOW }).db.close(); // leaves a plaintext backup
    expect(readdirSync(t.dir).filter((n) => n.startsWith('plain.db.backup-'))).toHaveLength(1);
    expect(onDisk(file).includes(MARKER)).toBe(true);

    const report = encryptDatabaseFile(file, KEY);
    expect(report.encrypted).toBe(true);
    expect(report.removedBackups).toHaveLength(1);
    expect(readdirSync(t.dir).filter((n) => n.startsWith('plain.db'))).toEqual(['plain.db']);
    expect(onDisk(file).includes(MARKER)).toBe(false);
    const reopened = openDatabase({ file, key: KEY });
    expect(reopened.db.prepare("SELECT name FROM entities WHERE id = 'SECRET'").pluck().get()).toBe(MARKER);
    expect(reopened.migrated.applied).toEqual([]);
    reopened.db.close();
    expect(encryptDatabaseFile(file, KEY)).toEqual({ encrypted: false, removedBackups: [] });
  });
});

describe('the desktop keystore', () => {
  /** A stand-in for Electron's safeStorage: reversible, tagged so a foreign blob fails. */
  const fake = (available = true, backend = 'gnome_libsecret'): SafeStorageLike => ({
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`os-sealed:${Buffer.from(s).toString('base64')}`),
    decryptString: (b) => {
      const text = b.toString();
      if (!text.startsWith('os-sealed:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(text.slice(10), 'base64').toString();
    },
    getSelectedStorageBackend: () => backend,
  });

  it('creates a random key once, stores it sealed, and returns the same key after', () => {
    const dir = join(t.dir, 'userData');
    const first = (mkdirSync(dir, { recursive: true }), loadOrCreateDatabaseKey(fake(), dir));
    expect(first).toMatchObject({ created: true, weak: false });
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(join(dir, KEY_FILE_NAME)).includes(first.key)).toBe(false);
    expect(loadOrCreateDatabaseKey(fake(), dir)).toEqual({ key: first.key, created: false, weak: false });
    expect(loadOrCreateDatabaseKey(fake(true, 'basic_text'), dir).weak).toBe(true);
  });

  it('never replaces a key it cannot read, and refuses to work without a keychain', () => {
    const dir = join(t.dir, 'userData2');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, KEY_FILE_NAME), 'sealed by another account');
    expect(() => loadOrCreateDatabaseKey(fake(), dir)).toThrow(/cannot be decrypted/);
    expect(readFileSync(join(dir, KEY_FILE_NAME), 'utf8')).toBe('sealed by another account');
    expect(() => loadOrCreateDatabaseKey(fake(false), dir)).toThrow(/keychain is not available/);
  });

  it('keeps a replica\'s device credential sealed next to the database key, and the command line\'s readable by its owner only', () => {
    const dir = join(t.dir, 'userData3');
    mkdirSync(dir, { recursive: true });
    const io = sealedDeviceCredentials(fake(), dir);
    const store = sealedCredentialStore(io.where, io);
    expect(store.load()).toBeNull();
    store.save({ device: 'dev_abc', secret: 'the-device-secret-0123456789' });
    expect(readFileSync(join(dir, DEVICE_FILE_NAME)).includes('the-device-secret')).toBe(false);
    expect(store.load()).toEqual({ device: 'dev_abc', secret: 'the-device-secret-0123456789' });
    writeFileSync(join(dir, DEVICE_FILE_NAME), 'sealed by another account');
    expect(() => store.load()).toThrow(/cannot be decrypted/);
    const cli = fileCredentialStore(join(dir, 'ventil.db'));
    cli.save({ device: 'dev_x', secret: 'another-secret-0123456789' });
    expect(statSync(cli.where).mode & 0o077).toBe(0);
    expect(cli.load()).toEqual({ device: 'dev_x', secret: 'another-secret-0123456789' });
  });
});
