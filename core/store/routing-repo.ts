// Reads and writes of routing: the offers made to locations, their history, and the scheduler's
// cursors. The decisions (who is offered what, when an offer closes) are made in
// core/api/routing.ts from the lines' lifecycle; this module only stores them.
import type { OfferStatus, RoutingHistoryTable, RoutingOffersTable } from './schema.js';
import type { Db } from './db.js';

export type OfferRow = Omit<RoutingOffersTable, 'id'> & { id: number };

export type HistoryRow = Omit<RoutingHistoryTable, 'seq'> & { seq: number };

const json = (ids: readonly string[]) => JSON.stringify(ids);

/** Every offer (open or closed) of some orders, oldest first. */
export function offersOfOrders(db: Db, orderIds: readonly string[]): OfferRow[] {
  return db.prepare('SELECT * FROM routing_offers WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id').all(json(orderIds)) as OfferRow[];
}

export function openOffer(db: Db, orderId: string, lineId: string): OfferRow | undefined {
  return db.prepare("SELECT * FROM routing_offers WHERE order_id = ? AND line_id = ? AND status = 'open'").get(orderId, lineId) as OfferRow | undefined;
}

export function getOffer(db: Db, id: number): OfferRow | undefined {
  return db.prepare('SELECT * FROM routing_offers WHERE id = ?').get(id) as OfferRow | undefined;
}

export function insertOffer(db: Db, o: Omit<OfferRow, 'id' | 'status' | 'closed_at' | 'reason' | 'note' | 'closed_by' | 'event_key'>): number {
  return db.prepare(`INSERT INTO routing_offers (order_id, line_id, location, entity, operator, offered_at, deadline_at, status)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'open') RETURNING id`).pluck().get(o.order_id, o.line_id, o.location, o.entity, o.operator, o.offered_at, o.deadline_at) as number;
}

export function closeOffer(db: Db, id: number, c: { status: Exclude<OfferStatus, 'open'>; closed_at: string; reason: string | null; note: string | null; closed_by: string; event_key: string | null }): void {
  const changed = db.prepare(`UPDATE routing_offers SET status = ?, closed_at = ?, reason = ?, note = ?, closed_by = ?, event_key = ?
    WHERE id = ? AND status = 'open'`).run(c.status, c.closed_at, c.reason, c.note, c.closed_by, c.event_key, id).changes;
  if (changed !== 1) throw new Error(`routing offer ${id} is not open`);
}

export function appendHistory(db: Db, h: Omit<HistoryRow, 'seq'>): void {
  db.prepare(`INSERT INTO routing_history (order_id, line_id, offer_id, location, action, at, deadline_at, reason, note, actor, source, event_key, recorded_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(h.order_id, h.line_id, h.offer_id, h.location, h.action, h.at, h.deadline_at, h.reason, h.note, h.actor, h.source, h.event_key, h.recorded_at);
}

export function historyOfOrder(db: Db, orderId: string): HistoryRow[] {
  return db.prepare('SELECT * FROM routing_history WHERE order_id = ? ORDER BY seq').all(orderId) as HistoryRow[];
}

/** Lines of these orders whose cancellation is already in the history. */
export function cancelledInHistory(db: Db, orderIds: readonly string[]): Set<string> {
  const rows = db.prepare("SELECT order_id, line_id FROM routing_history WHERE action = 'cancelled' AND order_id IN (SELECT value FROM json_each(?))")
    .all(json(orderIds)) as { order_id: string; line_id: string }[];
  return new Set(rows.map((r) => `${r.order_id}\u0000${r.line_id}`));
}

/** Open offers whose deadline is at or before `bound` (a canonical time; refine to the ms in code). */
export function openOffersDueBy(db: Db, bound: string): OfferRow[] {
  return db.prepare("SELECT * FROM routing_offers WHERE status = 'open' AND deadline_at <= ? ORDER BY deadline_at, id").all(bound) as OfferRow[];
}

/** Stored events of some orders with their keys and sources, in the order they were received. */
export function eventRowsOfOrders(db: Db, orderIds: readonly string[]): { event_key: string; order_id: string; line_id: string; payload_json: string; source: string }[] {
  return db.prepare('SELECT event_key, order_id, line_id, payload_json, source FROM events WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY seq')
    .all(json(orderIds)) as { event_key: string; order_id: string; line_id: string; payload_json: string; source: string }[];
}

export function locationParties(db: Db): Map<string, { entity: string; operator: string }> {
  const rows = db.prepare('SELECT id, entity, operator FROM locations').all() as { id: string; entity: string; operator: string }[];
  return new Map(rows.map((r) => [r.id, { entity: r.entity, operator: r.operator }]));
}

// ---- Scheduler cursors ----------------------------------------------------------------------

export function readCursor(db: Db, key: string): number {
  const row = db.prepare('SELECT value FROM routing_state WHERE key = ?').get(key) as { value: number } | undefined;
  return row?.value ?? 0;
}

export function writeCursor(db: Db, key: string, value: number): void {
  db.prepare('INSERT INTO routing_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}

/**
 * Orders that may need routing work: received after the order cursor, or with events after the
 * event cursor, restricted to those with a line still pending in their current settlement or an
 * open offer (the others have nothing to offer and nothing to close).
 */
/** The last order and event stored (their seq, migration 0015): what the routing cursors move up to. */
export function routingHighWater(db: Db): { maxOrder: number; maxEvent: number } {
  const maxOrder = (db.prepare('SELECT coalesce(max(seq), 0) AS n FROM orders').get() as { n: number }).n;
  const maxEvent = (db.prepare('SELECT coalesce(max(seq), 0) AS n FROM events').get() as { n: number }).n;
  return { maxOrder, maxEvent };
}

export function ordersToRoute(db: Db, orderCursor: number, eventCursor: number): { orders: string[]; maxOrder: number; maxEvent: number } {
  const { maxOrder, maxEvent } = routingHighWater(db);
  const orders = db.prepare(`
    WITH touched(id) AS (
      SELECT id FROM orders WHERE seq > ? AND seq <= ?
      UNION SELECT order_id FROM events WHERE seq > ? AND seq <= ?)
    SELECT t.id FROM touched t
    WHERE EXISTS (SELECT 1 FROM settlements s JOIN settlement_lines l ON l.order_id = s.order_id AND l.revision = s.revision
                  WHERE s.order_id = t.id AND l.status = 'pending')
       OR EXISTS (SELECT 1 FROM routing_offers o WHERE o.order_id = t.id AND o.status = 'open')
    ORDER BY t.id`).pluck().all(orderCursor, maxOrder, eventCursor, maxEvent) as string[];
  return { orders, maxOrder, maxEvent };
}

export function offerDeadlineHours(db: Db): number {
  const row = db.prepare("SELECT value FROM network_settings WHERE key = 'offer_deadline_hours'").get() as { value: string } | undefined;
  const v = row ? Number(JSON.parse(row.value)) : 24;
  return Number.isFinite(v) && v > 0 ? v : 24;
}

// ---- The inbox: offers with what a store needs to prepare them ------------------------------

export interface InboxFilter {
  /** Entities whose locations (owned or operated) to list; null: every location. */
  entities: readonly string[] | null;
  location?: string;
  status: 'open' | 'closed' | 'all';
  limit: number;
  offset: number;
  /** The user whose read marks to report (migration 0013). */
  reader: string;
}

export interface InboxRow extends OfferRow {
  sku: string | null;
  name: string | null;
  quantity: number;
  delivery_mode: string;
  pickup_location: string | null;
  pickup_entity: string | null;
  channel: string;
  order_created_at: string;
  /** The line's value to the customer (TTC), in the order's currency. */
  line_gross: number;
  currency: string;
  read_at: string | null;
}

export function listInbox(db: Db, f: InboxFilter): { total: number; rows: InboxRow[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.entities !== null) {
    where.push('(o.entity IN (SELECT value FROM json_each(?)) OR o.operator IN (SELECT value FROM json_each(?)))');
    args.push(JSON.stringify(f.entities), JSON.stringify(f.entities));
  }
  if (f.location) { where.push('o.location = ?'); args.push(f.location); }
  if (f.status === 'open') where.push("o.status = 'open'");
  else if (f.status === 'closed') where.push("o.status != 'open'");
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = (db.prepare(`SELECT count(*) AS n FROM routing_offers o ${whereSql}`).get(...args) as { n: number }).n;
  const rows = db.prepare(`SELECT o.*, l.sku, l.name, l.quantity, l.delivery_mode, l.pickup_location, p.entity AS pickup_entity,
      r.channel, r.created_at AS order_created_at, l.unit_price * l.quantity - l.discount AS line_gross, r.currency, ir.read_at
    FROM routing_offers o
    JOIN order_lines l ON l.order_id = o.order_id AND l.line_id = o.line_id
    JOIN orders r ON r.id = o.order_id
    LEFT JOIN locations p ON p.id = l.pickup_location
    LEFT JOIN inbox_reads ir ON ir.offer_id = o.id AND ir.user_id = ?
    ${whereSql}
    ORDER BY CASE o.status WHEN 'open' THEN 0 ELSE 1 END, CASE WHEN o.status = 'open' THEN o.deadline_at ELSE '' END, o.closed_at DESC, o.id
    LIMIT ? OFFSET ?`).all(f.reader, ...args, f.limit, f.offset) as InboxRow[];
  return { total, rows };
}

/** Open requests of some entities' locations (null: all) that the user has not opened, and the next deadline. */
export function inboxCounts(db: Db, entities: readonly string[] | null, reader: string): { open: number; unread: number; next_deadline_at: string | null } {
  const scoped = entities === null ? '' : 'AND (o.entity IN (SELECT value FROM json_each(?)) OR o.operator IN (SELECT value FROM json_each(?)))';
  const args = entities === null ? [] : [JSON.stringify(entities), JSON.stringify(entities)];
  return db.prepare(`SELECT count(*) AS open, coalesce(sum(CASE WHEN ir.offer_id IS NULL THEN 1 ELSE 0 END), 0) AS unread, min(o.deadline_at) AS next_deadline_at
    FROM routing_offers o LEFT JOIN inbox_reads ir ON ir.offer_id = o.id AND ir.user_id = ?
    WHERE o.status = 'open' ${scoped}`).get(reader, ...args) as { open: number; unread: number; next_deadline_at: string | null };
}

/** Offers among `ids` that some entities' locations hold (null: all). */
export function offersInScope(db: Db, ids: readonly number[], entities: readonly string[] | null): number[] {
  const scoped = entities === null ? '' : 'AND (entity IN (SELECT value FROM json_each(?)) OR operator IN (SELECT value FROM json_each(?)))';
  return db.prepare(`SELECT id FROM routing_offers WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) ${scoped} ORDER BY id`).pluck()
    .all(JSON.stringify(ids), ...(entities === null ? [] : [JSON.stringify(entities), JSON.stringify(entities)])) as number[];
}

/** Marks offers as opened by the user (once; a later mark keeps the first time). */
export function markInboxRead(db: Db, reader: string, ids: readonly number[], at: string): number {
  const put = db.prepare('INSERT INTO inbox_reads (user_id, offer_id, read_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
  let n = 0;
  for (const id of ids) n += put.run(reader, id, at).changes;
  return n;
}
