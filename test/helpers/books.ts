// Checks on the books of a test database, straight from the tables: every entry balances, every
// entity's books balance, and the reconciliation identities of docs/spec.md section 9 hold against the
// stored settlements and release runs (computed independently of the posting engine).
import type { ApiContext } from '../../core/api/handler.js';
import { callApi } from '../../core/api/index.js';
import type { Db } from '../../core/store/db.js';
import { tableExists } from '../../core/store/dialect.js';

const FULFILLED = "('shipped', 'delivered', 'collected', 'fulfilled', 'returned')";
const NOT_FULFILLED = "('pending', 'accepted')";

function platformOf(db: Db): string {
  return JSON.parse(db.prepare("SELECT value FROM network_settings WHERE key = 'platform_entity'").pluck().get() as string) as string;
}

const hasTransfers = (db: Db) => tableExists(db, 'transfers');

/**
 * Balance (debit − credit, book currency) of an entity's account role, optionally one auxiliary:
 * its entries (à-nouveaux restate them, so they are left out) and its daily movements still
 * waiting for their day's entry.
 */
export function balance(db: Db, entity: string, role: string, aux?: string): number {
  const args = aux === undefined ? [entity, role] : [entity, role, aux];
  const posted = db.prepare(`SELECT COALESCE(SUM(l.debit - l.credit), 0) FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
    WHERE e.entity = ? AND e.journal != 'AN' AND l.role = ? ${aux === undefined ? '' : 'AND l.aux = ?'}`).pluck().get(...args) as number;
  const waiting = db.prepare(`SELECT COALESCE(SUM(l.debit - l.credit), 0) FROM daily_batch_lines l JOIN daily_batches b ON b.id = l.batch_id
    WHERE b.entity = ? AND b.entry_id IS NULL AND l.role = ? ${aux === undefined ? '' : "AND l.aux = coalesce(?, '')"}`).pluck().get(...args) as number;
  return posted + waiting;
}

/** What the legs not invoiced yet hold for each entity (received less paid, VAT included). */
function notInvoiced(db: Db): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of db.prepare('SELECT supplier, customer, net + vat AS total FROM invoice_totals WHERE issued = 0').all() as { supplier: string; customer: string; total: number }[]) {
    out.set(t.supplier, (out.get(t.supplier) ?? 0) + t.total);
    out.set(t.customer, (out.get(t.customer) ?? 0) - t.total);
  }
  return out;
}

/** Entries whose debits and credits differ, and entities whose books do not balance. */
export function unbalanced(db: Db): string[] {
  const entries = db.prepare(`SELECT e.entity, e.journal, e.number, SUM(l.debit) AS d, SUM(l.credit) AS c FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
    GROUP BY e.id, e.entity, e.journal, e.number HAVING SUM(l.debit) != SUM(l.credit)`).all() as { entity: string; journal: string; number: number; d: number; c: number }[];
  const empty = db.prepare('SELECT e.id FROM journal_entries e WHERE NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id)').pluck().all() as number[];
  const books = db.prepare(`SELECT e.entity, SUM(l.debit) AS d, SUM(l.credit) AS c FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
    GROUP BY e.entity HAVING SUM(l.debit) != SUM(l.credit)`).all() as { entity: string; d: number; c: number }[];
  return [
    ...entries.map((e) => `entry ${e.entity} ${e.journal}-${e.number}: debit ${e.d} ≠ credit ${e.c}`),
    ...empty.map((id) => `entry ${id} has no lines`),
    ...books.map((b) => `books of ${b.entity}: debit ${b.d} ≠ credit ${b.c}`),
  ];
}

/** Numbers that are not 1..n per entity, journal and fiscal year (in validation order). */
export function numberingGaps(db: Db): string[] {
  const rows = db.prepare('SELECT entity, journal, fiscal_year, number FROM journal_entries ORDER BY id').all() as { entity: string; journal: string; fiscal_year: string; number: number }[];
  const last = new Map<string, number>();
  const out: string[] = [];
  for (const r of rows) {
    const k = `${r.entity}/${r.journal}/${r.fiscal_year}`;
    const prev = last.get(k) ?? 0;
    if (r.number !== prev + 1) out.push(`${k}: ${r.number} after ${prev}`);
    last.set(k, r.number);
  }
  const series = db.prepare('SELECT series, seq FROM invoices ORDER BY id').all() as { series: string; seq: number }[];
  const lastSeq = new Map<string, number>();
  for (const s of series) {
    const prev = lastSeq.get(s.series) ?? 0;
    if (s.seq !== prev + 1) out.push(`invoice series ${s.series}: ${s.seq} after ${prev}`);
    lastSeq.set(s.series, s.seq);
  }
  return out;
}

/**
 * docs/spec.md section 9's identities (all amounts in EUR here):
 * - P's 467100 equals the escrow position: captured − PSP fees − refunds − what runs paid out;
 * - for each E: P's 467200-E (credit) equals E's 467000 (debit), and both equal E's shares of the
 *   lines already fulfilled (and its PSP fee shares) less what was transferred to it, less the legs
 *   not invoiced yet (legs are booked on their month's invoice);
 * - P's 467300 (credit) equals the money of lines not yet fulfilled.
 */
export function identityViolations(db: Db): string[] {
  const P = platformOf(db);
  const out: string[] = [];
  const paid = hasTransfers(db) ? (db.prepare('SELECT COALESCE(SUM(amount), 0) FROM transfers').pluck().get() as number) : 0;
  const position = db.prepare('SELECT COALESCE(SUM(captured - psp_fees - refunded), 0) FROM settlements').pluck().get() as number;
  const escrow = balance(db, P, 'escrow');
  if (escrow !== position - paid) out.push(`P's 467100 is ${escrow}, the escrow position is ${position - paid}`);

  const unfulfilled = db.prepare(`SELECT COALESCE(SUM(l.gross - l.refunded), 0) FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
    WHERE l.status IN ${NOT_FULFILLED}`).pluck().get() as number;
  const funds = -balance(db, P, 'customer_funds');
  if (funds !== unfulfilled) out.push(`P's 467300 is ${funds}, the lines not fulfilled hold ${unfulfilled}`);

  const shares = new Map((db.prepare(`SELECT sh.entity, SUM(sh.amount) AS amount FROM entity_shares sh
      JOIN settlements s ON s.order_id = sh.order_id AND s.revision = sh.revision
      LEFT JOIN settlement_lines l ON l.order_id = sh.order_id AND l.revision = sh.revision AND l.line_id = sh.line_id
    WHERE sh.kind = 'fee' OR l.status IN ${FULFILLED} GROUP BY sh.entity`).all() as { entity: string; amount: number }[]).map((r) => [r.entity, r.amount]));
  const transferred = new Map(hasTransfers(db) ? (db.prepare('SELECT entity, SUM(amount) AS amount FROM transfers GROUP BY entity').all() as { entity: string; amount: number }[]).map((r) => [r.entity, r.amount]) : []);
  const entities = db.prepare('SELECT id FROM entities WHERE id != ? ORDER BY id').pluck().all(P) as string[];
  const pending = notInvoiced(db);
  for (const E of entities) {
    const expected = (shares.get(E) ?? 0) - (transferred.get(E) ?? 0) - (pending.get(E) ?? 0);
    const atP = -balance(db, P, 'network_current', E);
    const atE = balance(db, E, 'platform_current', P);
    if (atP !== atE || atE !== expected) out.push(`${E}: P's 467200-${E} ${atP}, ${E}'s 467000 ${atE}, expected ${expected}`);
  }
  return out;
}

/** Records every invoice not sent yet as sent (closing a period needs its periodic invoices sent). */
export function sendAllInvoices(ctx: ApiContext): string[] {
  const unsent = callApi(ctx, 'invoices.list', { unsent: true, limit: 5000 });
  if (!unsent.ok) throw new Error(JSON.stringify(unsent.error));
  const numbers = (unsent.value as { rows: { number: string }[] }).rows.map((r) => r.number);
  if (numbers.length === 0) return [];
  const sent = callApi(ctx, 'invoices.send', { numbers });
  if (!sent.ok) throw new Error(JSON.stringify(sent.error));
  return numbers;
}

/**
 * Marks the outbox calls of every release-run transfer as sent, as the outbox runner would once
 * the PSP took them: closing a period needs its transfers received by the PSP. Returns how many.
 */
export function deliverAllTransfers(db: Db, at = '2000-01-01T00:00:00.000Z'): number {
  return db.prepare(`UPDATE outbox SET status = 'sent', sent_at = coalesce(sent_at, ?)
    WHERE idempotency_key IN (SELECT idempotency_key FROM transfers) AND status IN ('pending', 'in_flight', 'failed', 'dead')`).run(at).changes;
}
