// The desktop database key: 32 random bytes, generated on first start and kept in userData
// encrypted by the operating system's keychain through Electron's safeStorage (Keychain on
// macOS, DPAPI on Windows, libsecret/kwallet on Linux). Without the OS account's keychain the
// file is useless, so a copied disk or a lost laptop does not give the database away
// (docs/security.md). No Electron import here: main.ts passes `safeStorage`, tests a fake.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of Electron's safeStorage the keystore uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means no keyring was found and the key is only obfuscated. */
  getSelectedStorageBackend?(): string;
}

export const KEY_FILE_NAME = 'ventil-db.key';

export class KeystoreError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'KeystoreError';
  }
}

export interface DatabaseKey {
  key: string;
  created: boolean;
  /** True when the OS offered no real keychain (Linux without a secret service). */
  weak: boolean;
}

export function loadOrCreateDatabaseKey(safe: SafeStorageLike, dir: string): DatabaseKey {
  if (!safe.isEncryptionAvailable()) {
    throw new KeystoreError('keychain_unavailable', 'the operating system keychain is not available; the database key cannot be protected');
  }
  const weak = safe.getSelectedStorageBackend?.() === 'basic_text';
  const file = join(dir, KEY_FILE_NAME);
  if (existsSync(file)) {
    let key: string;
    try {
      key = safe.decryptString(readFileSync(file));
    } catch (e) {
      // Never replace an existing key: the database it opens would be lost.
      throw new KeystoreError('key_unreadable', `the database key in ${file} cannot be decrypted by this OS account's keychain (${(e as Error).message})`);
    }
    if (key.length < 32) throw new KeystoreError('key_invalid', `the database key in ${file} is damaged`);
    return { key, created: false, weak };
  }
  const key = randomBytes(32).toString('base64url');
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, safe.encryptString(key), { mode: 0o600 });
  renameSync(tmp, file);
  return { key, created: true, weak };
}

export const DEVICE_FILE_NAME = 'ventil-device.key';

/**
 * A replica's device credential (docs/deployment.md), kept like the database key: sealed by the
 * OS keychain in userData/ventil-device.key. The file is written only when the device joins.
 */
export function sealedDeviceCredentials(safe: SafeStorageLike, dir: string): { read(): string | null; write(text: string): void; remove(): void; where: string } {
  const file = join(dir, DEVICE_FILE_NAME);
  return {
    where: file,
    read: () => {
      if (!existsSync(file)) return null;
      try {
        return safe.decryptString(readFileSync(file));
      } catch (e) {
        throw new KeystoreError('credential_unreadable', `the device credential in ${file} cannot be decrypted by this OS account's keychain (${(e as Error).message})`);
      }
    },
    write: (text) => {
      if (!safe.isEncryptionAvailable()) throw new KeystoreError('keychain_unavailable', 'the operating system keychain is not available; the device credential cannot be protected');
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, safe.encryptString(text), { mode: 0o600 });
      renameSync(tmp, file);
    },
    remove: () => rmSync(file, { force: true }),
  };
}
