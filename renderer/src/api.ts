// The renderer's only way to the data: `call(name, input)`. In the desktop app it goes through
// the preload bridge (IPC); in a browser (`ventil serve`) through HTTP with the run's token.
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; issues?: { path: string; code: string; message: string }[] } };

interface Bridge { call(name: string, input: unknown): Promise<Result<unknown>>; transport: string }
declare global { interface Window { ventil?: Bridge } }

const TOKEN_KEY = 'ventil.token';

/** Takes the token from `#token=...` once, then keeps it for the tab's life. */
function token(): string {
  const match = /token=([^&]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!));
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export async function call<T = unknown>(name: string, input: unknown = {}): Promise<Result<T>> {
  if (window.ventil) return (await window.ventil.call(name, input)) as Result<T>;
  const res = await fetch(`/api/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` },
    body: JSON.stringify(input),
  });
  return (await res.json()) as Result<T>;
}

export class CallError extends Error {
  constructor(readonly error: { code: string; message: string }) { super(error.message); }
}

/** `call` for views that want the value or an exception. */
export async function get<T>(name: string, input: unknown = {}): Promise<T> {
  const r = await call<T>(name, input);
  if (!r.ok) throw new CallError(r.error);
  return r.value;
}
