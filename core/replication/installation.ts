// What kind of installation a database is: a hub (the system of record: every standalone
// installation is one), a replica of a hub, or a new database joining a network. Read on every
// API call, so a replica refuses the hub's operations (core/api/index.ts).
import { readReplicaState } from '../store/replica-repo.js';
import type { Db } from '../store/db.js';

export type Installation =
  | { kind: 'hub' }
  | { kind: 'replica'; hubUrl: string; deviceId: string; deviceName: string; scope: string; revoked: boolean }
  | { kind: 'joining'; hubUrl: string };

export const HUB: Installation = Object.freeze({ kind: 'hub' });

export function installationOf(db: Db): Installation {
  let s;
  try {
    s = readReplicaState(db);
  } catch (e) {
    // A database migrated only part-way (some tests) has no replica_state: it is a hub.
    if (/no such table/.test((e as Error).message)) return HUB;
    throw e;
  }
  if (!s) return HUB;
  // A join asked for on the first screen: pending while it has its code; refused (the code is
  // cleared, the reason kept for the screen), the database is a new one again.
  if (s.status === 'joining') return s.join_code ? { kind: 'joining', hubUrl: s.hub_url } : HUB;
  return { kind: 'replica', hubUrl: s.hub_url, deviceId: s.device_id ?? '', deviceName: s.device_name ?? '', scope: s.scope ?? '', revoked: s.status === 'revoked' };
}

export const isReplica = (db: Db) => installationOf(db).kind !== 'hub';
