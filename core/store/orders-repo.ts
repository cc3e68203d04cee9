// Read models over stored orders and their current settlement, for the orders views.
import { CLOSED_AT_SQL } from './settlement-repo.js';
import type { Channel } from '../domain/scenario.js';
import type { LineStatus } from '../domain/settlement-types.js';
import type { OrdersTable } from './schema.js';
import type { Db } from './db.js';

export interface OrderListFilter {
  /** Limit to orders where one of these entities is a party (null: every order). */
  entities: readonly string[] | null;
  /** The entity whose payout to show (must be a party). */
  viewer: string | null;
  from?: string;
  to?: string;
  search?: string;
  closed?: boolean;
  /** The moment `closed` refers to (ISO). */
  now: string;
  sort: 'created_at' | 'id' | 'captured' | 'amount';
  desc: boolean;
  limit: number;
  offset: number;
  /** Continue after this row (its sort key and id): keyset paging, as fast on the last page as on the first. */
  after?: { key: string | number; id: string } | null;
}

export interface OrderListRow {
  id: string; created_at: string; channel: Channel; currency: string; captured: number; psp_fees: number; refunded: number;
  lines: number; closed: number; amount: number | null;
}

const VIEWER_AMOUNT = '(SELECT coalesce(sum(e.amount), 0) FROM entity_shares e WHERE e.order_id = o.id AND e.revision = s.revision AND e.entity = ?)';
const SORT_SQL: Record<OrderListFilter['sort'], string> = { created_at: 'o.created_at', id: 'o.id', captured: 's.captured', amount: VIEWER_AMOUNT };

/** The value a row is sorted by, for the cursor that continues after it. */
export const sortKeyOf = (row: OrderListRow, sort: OrderListFilter['sort']): string | number =>
  sort === 'created_at' ? row.created_at : sort === 'id' ? row.id : sort === 'captured' ? row.captured : (row.amount ?? 0);

export function listOrders(db: Db, f: OrderListFilter): { total: number; rows: OrderListRow[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.entities !== null) {
    where.push('o.id IN (SELECT order_id FROM order_parties WHERE entity IN (SELECT value FROM json_each(?)))');
    args.push(JSON.stringify(f.entities));
  }
  if (f.from) { where.push('o.created_at >= ?'); args.push(f.from); }
  if (f.to) { where.push('o.created_at < ?'); args.push(f.to); }
  if (f.search) { where.push("o.id LIKE ? ESCAPE '\\'"); args.push(`%${f.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`); }
  if (f.closed !== undefined) { where.push(`${f.closed ? '' : 'NOT '}${CLOSED_AT_SQL}`); args.push(f.now); }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const from = `FROM orders o JOIN settlements s ON s.order_id = o.id ${whereSql}`;
  const total = (db.prepare(`SELECT count(*) AS n ${from}`).get(...args) as { n: number }).n;
  const amount = f.viewer === null ? 'NULL' : VIEWER_AMOUNT;
  const viewer = f.viewer === null ? [] : [f.viewer];
  // Keyset: rows strictly after the cursor's (key, id) in the order of the list; ties on the
  // key are ordered by id in the same direction, so the pair is a total order.
  const dir = f.desc ? 'DESC' : 'ASC';
  const key = SORT_SQL[f.sort];
  const keyArgs = f.sort === 'amount' ? viewer : [];
  const after = f.after ? `${whereSql ? 'AND' : 'WHERE'} (${key}, o.id) ${f.desc ? '<' : '>'} (?, ?)` : '';
  const afterArgs = f.after ? [...keyArgs, f.after.key, f.after.id] : [];
  const rows = db.prepare(`SELECT o.id, o.created_at, o.channel, o.currency, s.captured, s.psp_fees, s.refunded, ${CLOSED_AT_SQL} AS closed,
      (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) AS lines, ${amount} AS amount
    ${from} ${after} ORDER BY ${key} ${dir}, o.id ${dir} LIMIT ? OFFSET ?`)
    .all(f.now, ...viewer, ...args, ...afterArgs, ...keyArgs, f.limit, f.after ? 0 : f.offset) as OrderListRow[];
  return { total, rows };
}

/** Every entity that holds (or held, before a reroute) a role on the order, or has a share of it. */
export function orderParties(db: Db, orderId: string): string[] {
  return db.prepare('SELECT entity FROM order_parties WHERE order_id = ? ORDER BY entity').pluck().all(orderId) as string[];
}

export interface StoredLine {
  line_id: string; status: LineStatus; fulfiller: string; owner: string; shipper: string; pickup: string | null; catchment: string | null;
  origin: string | null; seller: string | null; gross: number; vat: number; net: number; fee_share: number; returned: number; refunded: number;
  release_at: string | null; decisions_json: string; legs_json: string;
}
export interface StoredLeg {
  line_id: string; rule_group: string; rule_ref: string; to_role: string; to_entity: string | null; from_role: string; from_entity: string | null;
  base: number; rate: string; amount: number; vat: number; void: string | null; reversed_amount: number; reversed_vat: number;
}

export function settlementDetail(db: Db, orderId: string) {
  const head = db.prepare('SELECT * FROM settlements WHERE order_id = ?').get(orderId) as
    { revision: number; currency: string; captured: number; psp_fees: number; refunded: number; warnings_json: string; computed_at: string } | undefined;
  if (!head) return undefined;
  const lines = db.prepare('SELECT * FROM settlement_lines WHERE order_id = ? AND revision = ? ORDER BY seq').all(orderId, head.revision) as StoredLine[];
  const legs = db.prepare('SELECT * FROM settlement_legs WHERE order_id = ? AND revision = ? ORDER BY line_id, seq').all(orderId, head.revision) as StoredLeg[];
  const shares = db.prepare('SELECT line_id, entity, kind, amount, release_at FROM entity_shares WHERE order_id = ? AND revision = ? ORDER BY line_id, entity, kind')
    .all(orderId, head.revision) as { line_id: string; entity: string; kind: string; amount: number; release_at: string | null }[];
  const revisions = db.prepare('SELECT revision, computed_at, reason FROM settlement_revisions WHERE order_id = ? ORDER BY revision').all(orderId) as
    { revision: number; computed_at: string; reason: string }[];
  return { head, lines, legs, shares, revisions };
}

/** An order as the customer's order gave it, without the import bookkeeping. */
export type OrderHead = Pick<OrdersTable, 'id' | 'origin' | 'customer_postcode' | 'created_at' | 'currency' | 'discount'> & { channel: Channel };

export function orderHead(db: Db, id: string): OrderHead | undefined {
  return db.prepare('SELECT id, channel, origin, customer_postcode, created_at, currency, discount FROM orders WHERE id = ?').get(id) as OrderHead | undefined;
}

export function orderExists(db: Db, id: string): boolean {
  return db.prepare('SELECT 1 FROM orders WHERE id = ?').get(id) !== undefined;
}

export function orderLineExists(db: Db, orderId: string, lineId: string): boolean {
  return db.prepare('SELECT 1 FROM order_lines WHERE order_id = ? AND line_id = ?').get(orderId, lineId) !== undefined;
}

/** Which of these order ids are stored. */
export function storedOrderIds(db: Db, ids: readonly string[]): Set<string> {
  return new Set(db.prepare('SELECT id FROM orders WHERE id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(ids)) as string[]);
}

/** Ids of the orders created in [from, to) (ISO instants), oldest first. */
export function orderIdsCreatedBetween(db: Db, from: string, to: string): string[] {
  return db.prepare('SELECT id FROM orders WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id').pluck().all(from, to) as string[];
}

/** The entities party to any of these orders, sorted. */
export function partiesOfOrders(db: Db, orderIds: readonly string[]): string[] {
  return db.prepare('SELECT DISTINCT entity FROM order_parties WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY entity').pluck().all(JSON.stringify(orderIds)) as string[];
}

/** Keys of the last `n` stored events, oldest first. */
export function lastEventKeys(db: Db, n: number): string[] {
  if (n === 0) return [];
  return (db.prepare('SELECT event_key FROM events ORDER BY seq DESC LIMIT ?').pluck().all(n) as string[]).reverse();
}

/** A line's status, fulfiller and refund in its order's current settlement. */
export function currentLineState(db: Db, orderId: string, lineId: string): { status: string; fulfiller: string; refunded: number } | undefined {
  return db.prepare(`SELECT l.status, l.fulfiller, l.refunded FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
    WHERE l.order_id = ? AND l.line_id = ?`).get(orderId, lineId) as { status: string; fulfiller: string; refunded: number } | undefined;
}
