// Where a replica keeps its device credential: with the database key. On the desktop the OS
// keychain seals it (electron/keystore.ts); from the command line it is a file next to the
// database, `<database>.device`, readable by its owner only (docs/deployment.md). It is never
// in the database itself, so a copy of the database does not carry the device's identity.
// No store import here: the desktop's main process (which holds no database) loads this file.
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface DeviceCredential { device: string; secret: string }

export interface CredentialStore {
  load(): DeviceCredential | null;
  save(credential: DeviceCredential): void;
  clear(): void;
  /** Where it is kept, for messages. */
  readonly where: string;
}

/** The bearer token a device sends: `vd1.<device id>.<secret>` (checked in devices.ts). */
export const deviceToken = (deviceId: string, secret: string) => `vd1.${deviceId}.${secret}`;
export const tokenOf = (c: DeviceCredential) => deviceToken(c.device, c.secret);

function parse(text: string, where: string): DeviceCredential {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw Object.assign(new Error(`the device credential in ${where} is damaged`), { code: 'credential_unreadable' });
  }
  const c = v as Partial<DeviceCredential>;
  if (typeof c?.device !== 'string' || typeof c.secret !== 'string') throw Object.assign(new Error(`the device credential in ${where} is damaged`), { code: 'credential_unreadable' });
  return { device: c.device, secret: c.secret };
}

export function credentialFile(dbPath: string): string {
  return `${dbPath}.device`;
}

/** The command line's store: `<database>.device`, mode 0600. */
export function fileCredentialStore(dbPath: string): CredentialStore {
  const file = credentialFile(dbPath);
  return {
    where: file,
    load: () => (existsSync(file) ? parse(readFileSync(file, 'utf8'), file) : null),
    save: (c) => {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(c)}\n`, { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, file);
    },
    clear: () => rmSync(file, { force: true }),
  };
}

/** A store sealing the credential with something else (the desktop's keychain). */
export function sealedCredentialStore(where: string, io: { read(): string | null; write(text: string): void; remove(): void }): CredentialStore {
  return {
    where,
    load: () => {
      const text = io.read();
      return text === null ? null : parse(text, where);
    },
    save: (c) => io.write(JSON.stringify(c)),
    clear: () => io.remove(),
  };
}
