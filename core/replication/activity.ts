// When each device last pulled and how far, kept in the hub process's memory: 500 replicas
// pulling every minute would otherwise write a row per pull and queue behind every long
// settlement. The hub writes it down once a minute and when it stops (flushActivity).
import { updateDevice } from '../store/devices-repo.js';
import type { Db } from '../store/db.js';

export interface Activity { at: string; seq: number }

const byDb = new WeakMap<Db, Map<string, Activity>>();

export function noteActivity(db: Db, deviceId: string, activity: Activity): void {
  let m = byDb.get(db);
  if (!m) byDb.set(db, (m = new Map()));
  m.set(deviceId, activity);
}

export function deviceActivity(db: Db): ReadonlyMap<string, Activity> {
  return byDb.get(db) ?? new Map();
}

/** Writes what was noted since the last flush, in one transaction. */
export function flushActivity(db: Db): number {
  const m = byDb.get(db);
  if (!m || m.size === 0) return 0;
  const items = [...m];
  m.clear();
  db.transaction(() => { for (const [id, a] of items) updateDevice(db, id, { last_seen_at: a.at, last_seq: a.seq }); }).immediate();
  return items.length;
}
