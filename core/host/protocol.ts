// The messages between the desktop's main process and its database process (core/host). The
// main process holds no database: it forwards each renderer call, with the caller's session
// token, and gets the answer back. Both sides speak through a HostPort, whatever carries it
// (Electron's utilityProcess parentPort, a Node child process's IPC channel in tests).
import type { Result } from '../api/errors.js';
import type { LogLevel, LogRecord } from '../log/logger.js';
import type { DeviceCredential } from '../replication/credentials.js';

export interface HostConfig {
  /** The database file. */
  file: string;
  /**
   * Its key, from the OS keychain (which only the main process can read); null for none;
   * absent: VENTIL_DB_KEY or VENTIL_DB_KEY_FILE, read by the database process.
   */
  key?: string | null;
  /** A better-sqlite3 build to load instead of the installed one (VENTIL_SQLITE_BINDING). */
  nativeBinding?: string;
  /** Encrypt the file with `key` first if it is still plaintext (the default desktop database). */
  encryptPlaintext: boolean;
  /** Fill an empty database with the demo network on first start. */
  seedDemo: boolean;
  /** Run the routing scheduler and the outbox runner in this process. */
  background: boolean;
  /** The bundled settlement worker's file (the desktop bundle), for large settlements. */
  settleWorker?: string;
  logLevel?: LogLevel;
  /**
   * A replica's device credential, sealed by the OS keychain (which only the main process can
   * read); null: none yet. The database process sends it back (`device`) when it joins a
   * network or forgets it. Absent: the file next to the database, as the command line keeps it.
   */
  device?: DeviceCredential | null;
}

export interface CallRequest {
  /** Unique across runs: a mutating call's id is journaled with its answer (core/host/calls.ts). */
  id: string;
  name: string;
  input: unknown;
  /** The caller's session token, kept by the main process; null when not signed in. */
  token: string | null;
}

export interface CallAnswer {
  result: Result<unknown>;
  /** The token given is no longer a session (expired, signed out elsewhere): forget it. */
  sessionInvalid?: boolean;
  /** Answered from the journal: the call was applied before the process that ran it died. */
  replayed?: boolean;
}

export type ToHost =
  | { t: 'start'; config: HostConfig }
  | ({ t: 'call' } & CallRequest)
  | { t: 'end-session'; token: string }
  | { t: 'stop' };

export type FromHost =
  | { t: 'hello' }
  | { t: 'ready'; demo: boolean }
  | { t: 'start-failed'; error: { code: string; message: string } }
  | ({ t: 'answer'; id: string } & CallAnswer)
  | { t: 'log'; record: LogRecord }
  /** The device credential to keep (sealed by the keychain) or, null, to forget. */
  | { t: 'device'; credential: DeviceCredential | null }
  | { t: 'stopped' };

/** One end of the channel, as the database process sees it. */
export interface HostPort {
  post(message: FromHost): void;
  onMessage(listener: (message: ToHost) => void): void;
}
