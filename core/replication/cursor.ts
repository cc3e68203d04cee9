// The replication cursor: opaque to the replica, like Replicache's cookie and Electric's offset.
// It says how far in the hub's change log the replica's data goes (seq) and for which scope
// (a fingerprint of the device's tags). A cursor whose scope no longer matches the device's
// makes the hub start that device over from the beginning of the log (a replica keeps what it
// holds and drops what left its scope). The hub trusts nothing in it: what a pull sends is
// always filtered by the device's scope as the hub knows it. Pure.
export interface Cursor { seq: number; scope: string }

export const INITIAL_CURSOR = '';

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ v: 1, s: c.seq, h: c.scope })).toString('base64url');
}

/** The cursor, or null when the text is not one (the initial cursor is the empty string). */
export function decodeCursor(text: string): Cursor | null {
  if (text === INITIAL_CURSOR) return { seq: 0, scope: '' };
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const o = v as { v?: unknown; s?: unknown; h?: unknown };
  if (!o || typeof o !== 'object' || o.v !== 1 || !Number.isSafeInteger(o.s) || (o.s as number) < 0 || typeof o.h !== 'string' || o.h.length > 64) return null;
  return { seq: o.s as number, scope: o.h };
}
