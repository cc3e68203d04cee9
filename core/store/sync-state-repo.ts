// The sync runner's small state (table `sync_state`): its lock, last success and error, the
// offline mark, the inbound feeds' cursors. Values are JSON.
import type { Db } from './db.js';

export function readState<T>(db: Db, key: string): T | null {
  const row = db.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : null;
}

export function writeState(db: Db, key: string, value: unknown, now: Date): void {
  db.prepare('INSERT INTO sync_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at')
    .run(key, JSON.stringify(value), now.toISOString());
}

export function deleteState(db: Db, key: string): void {
  db.prepare('DELETE FROM sync_state WHERE key = ?').run(key);
}

/** Every state whose key starts with this prefix, by key. */
export function statesWithPrefix(db: Db, prefix: string): { key: string; value: string; updated_at: string }[] {
  return db.prepare("SELECT key, value, updated_at FROM sync_state WHERE key LIKE ? ESCAPE '\\' ORDER BY key")
    .all(`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as { key: string; value: string; updated_at: string }[];
}
