// Reads and writes of what Ventil knows the PSP did (`psp_objects`) and the PSP events received
// (`psp_events`, one row per event whatever happened to it). The merge rules (status ladders,
// what wins) are in core/sync/psp-state.ts; this module only stores their outcome.
import type { PspObjectType } from '../adapters/psp.js';
import { sqlStatement } from './query.js';
import type { Db } from './db.js';

export interface PspObjectRow {
  psp: string; psp_id: string; type: PspObjectType; outbox_key: string | null; entity: string | null; destination: string | null;
  parent_psp_id: string | null; amount: number; amount_reversed: number; fee: number | null; currency: string; status: string;
  status_rank: number; failure_code: string | null; release_run: string | null; orders_json: string | null; psp_created: string | null;
  first_seen_at: string; updated_at: string; last_source: string;
}

export function getPspObject(db: Db, psp: string, pspId: string): PspObjectRow | undefined {
  return sqlStatement(db, 'SELECT * FROM psp_objects WHERE psp = ? AND psp_id = ?').get(psp, pspId) as PspObjectRow | undefined;
}

export function insertPspObject(db: Db, o: PspObjectRow): void {
  sqlStatement(db, `INSERT INTO psp_objects (psp, psp_id, type, outbox_key, entity, destination, parent_psp_id, amount, amount_reversed, fee, currency,
      status, status_rank, failure_code, release_run, orders_json, psp_created, first_seen_at, updated_at, last_source)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    o.psp, o.psp_id, o.type, o.outbox_key, o.entity, o.destination, o.parent_psp_id, o.amount, o.amount_reversed, o.fee, o.currency,
    o.status, o.status_rank, o.failure_code, o.release_run, o.orders_json, o.psp_created, o.first_seen_at, o.updated_at, o.last_source);
}

export type PspObjectLinks = Pick<PspObjectRow, 'outbox_key' | 'entity' | 'destination' | 'parent_psp_id' | 'fee' | 'release_run' | 'orders_json' | 'psp_created'>;

/** Fills what earlier sources did not know (links to the outbox, the entity), never overwriting. */
export function fillPspObjectLinks(db: Db, psp: string, pspId: string, l: PspObjectLinks): void {
  sqlStatement(db, `UPDATE psp_objects SET outbox_key = COALESCE(outbox_key, ?), entity = COALESCE(entity, ?), destination = COALESCE(destination, ?),
      parent_psp_id = COALESCE(parent_psp_id, ?), fee = COALESCE(fee, ?), release_run = COALESCE(release_run, ?), orders_json = COALESCE(orders_json, ?),
      psp_created = COALESCE(psp_created, ?) WHERE psp = ? AND psp_id = ?`).run(
    l.outbox_key, l.entity, l.destination, l.parent_psp_id, l.fee, l.release_run, l.orders_json, l.psp_created, psp, pspId);
}

/** Sets an object's status and reversed amount; a null failure code keeps the stored one. */
export function setPspObjectStatus(db: Db, psp: string, pspId: string,
  s: Pick<PspObjectRow, 'status' | 'status_rank' | 'amount_reversed' | 'failure_code' | 'updated_at' | 'last_source'>): void {
  sqlStatement(db, `UPDATE psp_objects SET status = ?, status_rank = ?, amount_reversed = ?, failure_code = COALESCE(?, failure_code), updated_at = ?, last_source = ?
      WHERE psp = ? AND psp_id = ?`).run(s.status, s.status_rank, s.amount_reversed, s.failure_code, s.updated_at, s.last_source, psp, pspId);
}

/** The PSP id of the first transfer made by the call with this key. */
export function transferIdOfCall(db: Db, outboxKey: string): string | undefined {
  return (db.prepare("SELECT psp_id FROM psp_objects WHERE outbox_key = ? AND type = 'transfer' ORDER BY first_seen_at LIMIT 1").get(outboxKey) as { psp_id: string } | undefined)?.psp_id;
}

/** An object of this type made by the call with this key, if the PSP showed one. */
export function objectOfCall(db: Db, psp: string, outboxKey: string, type: PspObjectType): string | undefined {
  return (db.prepare('SELECT psp_id FROM psp_objects WHERE psp = ? AND outbox_key = ? AND type = ?').get(psp, outboxKey, type) as { psp_id: string } | undefined)?.psp_id;
}

/** Transfers, reversals, refunds and payouts the PSP made (or first showed) in [from, to). */
export function movementsBetween(db: Db, psp: string, from: string, to: string): PspObjectRow[] {
  return db.prepare(`SELECT * FROM psp_objects WHERE psp = ? AND type IN ('transfer', 'transfer_reversal', 'refund', 'payout')
      AND COALESCE(psp_created, first_seen_at) >= ? AND COALESCE(psp_created, first_seen_at) < ? ORDER BY first_seen_at, psp_id`).all(psp, from, to) as PspObjectRow[];
}

export interface PspObjectFilter {
  type?: PspObjectType;
  entity?: string;
  failedOnly: boolean;
  /** Entities the caller may see; null = all. */
  scope: ReadonlySet<string> | null;
  limit: number;
}

/** Objects newest first. */
export function listPspObjects(db: Db, f: PspObjectFilter): PspObjectRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.type) { where.push('type = ?'); args.push(f.type); }
  if (f.entity) { where.push('entity = ?'); args.push(f.entity); }
  if (f.failedOnly) where.push('status_rank >= 90');
  if (f.scope) { where.push('entity IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify([...f.scope])); }
  const limit = Math.min(Math.max(Math.trunc(f.limit), 1), 1000);
  return db.prepare(`SELECT * FROM psp_objects ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY first_seen_at DESC, psp_id LIMIT ${limit}`).all(...args) as PspObjectRow[];
}

// ---- Events ---------------------------------------------------------------------------------

export interface PspEventRow {
  psp: string; event_id: string; type: string; object_id: string | null; psp_created: string | null; source: string;
  payload_json: string; received_at: string; applied: string; note: string | null;
}

export function pspEventSeen(db: Db, psp: string, eventId: string): boolean {
  return sqlStatement(db, 'SELECT 1 FROM psp_events WHERE psp = ? AND event_id = ?').get(psp, eventId) !== undefined;
}

/** Records an event once (a second copy of the same id is ignored). */
export function recordPspEvent(db: Db, e: PspEventRow): void {
  sqlStatement(db, `INSERT INTO psp_events (psp, event_id, type, object_id, psp_created, source, payload_json, received_at, applied, note)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (psp, event_id) DO NOTHING`)
    .run(e.psp, e.event_id, e.type, e.object_id, e.psp_created, e.source, e.payload_json, e.received_at, e.applied, e.note);
}
