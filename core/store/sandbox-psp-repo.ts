// The embedded sandbox PSP's own books (tables `sandbox_psp_objects` and `sandbox_psp_requests`):
// what it made and the idempotency record of each call. Its rules are in core/adapters/sandbox-psp.ts.
import type { PspObjectType } from '../adapters/psp.js';
import type { Db } from './db.js';

export interface SandboxObjectRow {
  seq: number; id: string; type: PspObjectType; amount: number; currency: string; destination: string | null;
  parent_id: string | null; status: string; metadata_json: string; created_at: string;
}

export interface SandboxRequestRow { idempotency_key: string; operation: string; params_hash: string; response_json: string; created_at: string }

export function sandboxTransfer(db: Db, id: string): SandboxObjectRow | undefined {
  return db.prepare("SELECT * FROM sandbox_psp_objects WHERE id = ? AND type = 'transfer'").get(id) as SandboxObjectRow | undefined;
}

/** The total of the objects of a type made against a parent (reversals of a transfer, refunds of a payment). */
export function sandboxTotalAgainst(db: Db, type: PspObjectType, parentId: string): number {
  return (db.prepare('SELECT COALESCE(SUM(amount), 0) AS s FROM sandbox_psp_objects WHERE type = ? AND parent_id = ?').get(type, parentId) as { s: number }).s;
}

export function sandboxObjects(db: Db): SandboxObjectRow[] {
  return db.prepare('SELECT * FROM sandbox_psp_objects').all() as SandboxObjectRow[];
}

/** Objects made in [from, to), in the order they were made. */
export function sandboxObjectsBetween(db: Db, from: string, to: string): SandboxObjectRow[] {
  return db.prepare('SELECT * FROM sandbox_psp_objects WHERE created_at >= ? AND created_at < ? ORDER BY seq').all(from, to) as SandboxObjectRow[];
}

export function sandboxRequest(db: Db, key: string): SandboxRequestRow | undefined {
  return db.prepare('SELECT * FROM sandbox_psp_requests WHERE idempotency_key = ?').get(key) as SandboxRequestRow | undefined;
}

/** Stores an object and the request that made it (call inside one transaction). */
export function insertSandboxCall(db: Db, o: Omit<SandboxObjectRow, 'seq'>, r: SandboxRequestRow): void {
  db.prepare(`INSERT INTO sandbox_psp_objects (id, type, amount, currency, destination, parent_id, status, metadata_json, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(o.id, o.type, o.amount, o.currency, o.destination, o.parent_id, o.status, o.metadata_json, o.created_at);
  db.prepare('INSERT INTO sandbox_psp_requests (idempotency_key, operation, params_hash, response_json, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(r.idempotency_key, r.operation, r.params_hash, r.response_json, r.created_at);
}
