// What the single IPC channel does with a call, without Electron itself (so tests run it under
// plain Node with a fake event): checks the sender is our own top-level page and the call's
// shape, then hands it with the sender's session token to the database process (core/host),
// which resolves the session, calls the API and answers `{ ok, ... }`. The main process holds
// no database.
//
// Sessions over IPC: the renderer signs in with the same `auth.login` / `auth.setup` calls as
// in a browser, but the session token never reaches the renderer. The main process keeps it,
// keyed by the sender's webContents id, and answers the sign-in with `token: null`. A renderer
// that is not signed in is anonymous: only the public auth.* operations answer it.
import type { Result } from '../core/api/errors.js';
import type { CallAnswer } from '../core/host/protocol.js';
import { logger } from '../core/log/logger.js';

/** The parts of Electron's IpcMainInvokeEvent this handler reads. */
export interface IpcEventLike {
  senderFrame?: { url: string; parent: unknown } | null;
  sender: { id: number; once?(event: 'destroyed', listener: () => void): unknown };
}

/** The database process, as the IPC channel uses it (core/host/client.ts). */
export interface HostLike {
  call(name: string, input: unknown, token: string | null): Promise<CallAnswer>;
  endSession(token: string): void;
}

export interface IpcHandlerOptions {
  host: HostLike;
  isTrustedUrl: (url: string) => boolean;
}

const SIGN_IN = new Set(['auth.login', 'auth.setup']);
const log = logger('ipc');

export function createIpcHandler(opts: IpcHandlerOptions) {
  /** webContents id → session token. Lives only in the main process's memory. */
  const sessions = new Map<number, string>();

  async function handle(event: IpcEventLike, name: unknown, input: unknown): Promise<Result<unknown>> {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!opts.isTrustedUrl(frameUrl) || event.senderFrame?.parent) {
      log.warn('refused a call from an untrusted frame', { url: frameUrl.slice(0, 200) });
      return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } };
    }
    if (typeof name !== 'string' || name.length > 100) {
      return { ok: false, error: { code: 'invalid_input', message: 'the operation name must be a string' } };
    }
    const senderId = event.sender.id;
    const token = sessions.get(senderId) ?? null;
    const answer = await opts.host.call(name, input, token);
    if (answer.sessionInvalid && sessions.get(senderId) === token) sessions.delete(senderId);
    const result = answer.result;
    if (result.ok && SIGN_IN.has(name)) {
      const value = result.value as { token: string | null };
      // Signing in again replaces the sender's previous session.
      const previous = sessions.get(senderId);
      if (previous) opts.host.endSession(previous);
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
    if (token) opts.host.endSession(token);
  }

  return { handle, forget, signedIn: (senderId: number) => sessions.has(senderId) };
}
