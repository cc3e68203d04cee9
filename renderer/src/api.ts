// The renderer's only way to the data: `call(name, input)`. In the desktop app it goes through
// the preload bridge (IPC); in a browser (`ventil serve`) through HTTP, authorised by a bearer
// token: the run token printed by `ventil serve` (taken once from `#token=`), or, once the user
// has signed in, the session token that replaces it. Errors are values, never exceptions, so a
// view can show `issues` on its fields; `get` is the throwing variant for read-only views.
//
// Names, inputs and results are typed by the API's own contract (`Api`, core/api/index.ts),
// imported as types only: the renderer bundles no server code, and a misspelt operation or a
// wrong input fails `npm run typecheck` (renderer/typetests/api-contract.ts).
import type { ApiBridge, ApiInput, ApiOutput, OperationName } from '../../core/api/index';
import type { ErrorValue, Issue, Result } from '../../core/api/errors';
import { reportAnswer, reportUnreachable } from './connection';

export type { ErrorValue, Issue, OperationName, Result };
/** What an operation accepts (its schema's input: optional fields may be left out). */
export type Input<K extends OperationName> = ApiInput<K>;
/** What an operation answers. */
export type Output<K extends OperationName> = ApiOutput<K>;

declare global { interface Window { ventil?: ApiBridge } }

const RUN_TOKEN_KEY = 'ventil.token';
const SESSION_KEY = 'ventil.session';

/**
 * Takes the run token from `#token=...` and removes it from the address bar (so it is not
 * bookmarked or shown in screenshots). Called once at start, before the router reads the hash.
 */
export function captureRunToken(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return;
  sessionStorage.setItem(RUN_TOKEN_KEY, decodeURIComponent(match[1]!));
  history.replaceState(null, '', window.location.pathname + window.location.search);
}

/** The session token of a signed-in user; it takes precedence over the run token. */
export function setSessionToken(token: string | null): void {
  if (token) sessionStorage.setItem(SESSION_KEY, token);
  else sessionStorage.removeItem(SESSION_KEY);
}

export function hasSession(): boolean {
  return sessionStorage.getItem(SESSION_KEY) !== null;
}

function bearer(): string {
  return sessionStorage.getItem(SESSION_KEY) ?? sessionStorage.getItem(RUN_TOKEN_KEY) ?? '';
}

export function transport(): 'ipc' | 'http' {
  return window.ventil ? 'ipc' : 'http';
}

type AuthListener = (error: ErrorValue) => void;
const authListeners = new Set<AuthListener>();

/** Called when the server refuses the credentials (expired session): the shell shows the login. */
export function onUnauthenticated(listener: AuthListener): () => void {
  authListeners.add(listener);
  return () => { authListeners.delete(listener); };
}

export interface CallOptions {
  /** Aborts the HTTP request; over IPC the answer is dropped (the main process finishes it). */
  signal?: AbortSignal;
}

/** The input may be left out when the operation needs none. */
export type CallArgs<K extends OperationName> = Record<never, never> extends Input<K>
  ? [input?: Input<K>, opts?: CallOptions]
  : [input: Input<K>, opts?: CallOptions];

export async function call<K extends OperationName>(name: K, ...[input, opts = {}]: CallArgs<K>): Promise<Result<Output<K>>> {
  const { signal } = opts;
  if (signal?.aborted) return aborted();
  const body = input ?? {};
  let result: Result<Output<K>>;
  if (window.ventil) {
    result = (await window.ventil.call(name, body)) as Result<Output<K>>;
    if (signal?.aborted) return aborted();
  } else {
    let res: Response;
    try {
      res = await fetch(`/api/${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer()}` },
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal?.aborted) return aborted();
      // No answer at all: the app is offline until the probe gets one (connection.ts).
      reportUnreachable(() => { void call('auth.status'); });
      return { ok: false, error: { code: 'network', message: (e as Error).message } };
    }
    reportAnswer();
    try {
      result = (await res.json()) as Result<Output<K>>;
    } catch {
      return { ok: false, error: { code: 'bad_response', message: `HTTP ${res.status} without a JSON body` } };
    }
  }
  if (!result.ok && result.error.code === 'unauthenticated') for (const l of authListeners) l(result.error);
  return result;
}

function aborted<T>(): Result<T> {
  return { ok: false, error: { code: 'aborted', message: 'cancelled' } };
}

export class CallError extends Error {
  constructor(readonly error: ErrorValue) { super(error.message); this.name = 'CallError'; }
}

/** `call` for views that want the value or an exception. */
export async function get<K extends OperationName>(name: K, ...args: CallArgs<K>): Promise<Output<K>> {
  const r = await call(name, ...args);
  if (!r.ok) throw new CallError(r.error);
  return r.value;
}
