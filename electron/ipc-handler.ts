// What the single IPC channel does with a call, without Electron itself (so tests run it under
// plain Node with a fake event): checks the sender is our own top-level page, resolves the
// sender's session to its user's principal, calls the API, and answers `{ ok, ... }`.
//
// Sessions over IPC: the renderer signs in with the same `auth.login` / `auth.setup` calls as
// in a browser, but the session token never reaches the renderer. The main process keeps it,
// keyed by the sender's webContents id, and answers the sign-in with `token: null`. A renderer
// that is not signed in is anonymous: only the public auth.* operations answer it.
import { authenticateSession, endSessionByToken } from '../core/api/auth.js';
import { createContext } from '../core/api/context.js';
import type { Result } from '../core/api/errors.js';
import { callApi } from '../core/api/index.js';
import { ANONYMOUS_PRINCIPAL } from '../core/api/principal.js';
import type { Sqlite } from '../core/store/sqlite.js';

/** The parts of Electron's IpcMainInvokeEvent this handler reads. */
export interface IpcEventLike {
  senderFrame?: { url: string; parent: unknown } | null;
  sender: { id: number; once?(event: 'destroyed', listener: () => void): unknown };
}

export interface IpcHandlerOptions {
  db: Sqlite;
  isTrustedUrl: (url: string) => boolean;
  now?: () => Date;
}

const SIGN_IN = new Set(['auth.login', 'auth.setup']);

export function createIpcHandler(opts: IpcHandlerOptions) {
  const now = opts.now ?? (() => new Date());
  /** webContents id → session token. Lives only in the main process's memory. */
  const sessions = new Map<number, string>();

  function handle(event: IpcEventLike, name: unknown, input: unknown): Result<unknown> {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!opts.isTrustedUrl(frameUrl) || event.senderFrame?.parent) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } };
    }
    if (typeof name !== 'string' || name.length > 100) {
      return { ok: false, error: { code: 'invalid_input', message: 'the operation name must be a string' } };
    }
    const senderId = event.sender.id;
    const token = sessions.get(senderId);
    let principal = ANONYMOUS_PRINCIPAL;
    let session = null;
    if (token) {
      const s = authenticateSession(opts.db, token, now());
      if (s.ok) ({ principal, session } = s);
      else sessions.delete(senderId);
    }
    const result = callApi(createContext(opts.db, { principal, session, now }), name, input);
    if (result.ok && SIGN_IN.has(name)) {
      const value = result.value as { token: string | null };
      // Signing in again replaces the sender's previous session.
      const previous = sessions.get(senderId);
      if (previous) endSessionByToken(opts.db, previous);
      if (value.token) {
        if (!sessions.has(senderId)) event.sender.once?.('destroyed', () => forget(senderId));
        sessions.set(senderId, value.token);
      }
      return { ok: true, value: { ...value, token: null } };
    }
    if (name === 'auth.logout') sessions.delete(senderId);
    return result;
  }

  /** Ends the session of a closed window. */
  function forget(senderId: number) {
    const token = sessions.get(senderId);
    sessions.delete(senderId);
    if (token) endSessionByToken(opts.db, token);
  }

  return { handle, forget, signedIn: (senderId: number) => sessions.has(senderId) };
}
