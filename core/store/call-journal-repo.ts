// The database process's call journal (core/host/calls.ts): the answer of each mutating call,
// by the call's id, written in the call's own transaction, in the sync_state bookkeeping table
// (key `host.call.<id>`). A call sent again after the process died is answered from here.
// Entries are only needed for the seconds a restart takes; older ones are pruned.
import type { Db } from './db.js';

const PREFIX = 'host.call.';

export function journaledAnswer<T>(db: Db, id: string): T | null {
  const row = db.prepare('SELECT value FROM sync_state WHERE key = ?').get(PREFIX + id) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function journalAnswer(db: Db, id: string, answer: unknown, now: Date): void {
  db.prepare('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
    .run(PREFIX + id, JSON.stringify(answer), now.toISOString());
}

/** Removes the entries written before `before`; returns how many. */
export function pruneJournal(db: Db, before: Date): number {
  // The range of keys starting with the prefix ('/' follows '.'), with no LIKE escaping to get wrong.
  return db.prepare('DELETE FROM sync_state WHERE key >= ? AND key < ? AND updated_at < ?').run(PREFIX, 'host.call/', before.toISOString()).changes;
}
