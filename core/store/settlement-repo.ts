// Stored settlements: each computation of an order that changes its result appends a new
// revision (lines, legs, entity shares) and moves the `settlements` pointer to it. Nothing
// is updated in place, so every past allocation, with the rule `id@version` it used, stays
// readable. Bulk writes use prepared statements: this is the hot path of a million lines.
import type { EntityShare } from '../domain/shares.js';
import type { OrderSettlement } from '../domain/settlement-types.js';
import { dayContributions, dayTotalsAccumulator, entityZones, keptEntities, localDay, storedDayContributions, type DayContributions } from './day-totals.js';
import { bulkInsert } from './bulk-insert.js';
import type { Db } from './db.js';
import { keyList } from './dialect.js';

export interface SettlementWriter {
  /**
   * Queues one order's settlement rows; returns its new revision, or null when the current
   * revision already holds exactly these rows. Each order may be written once between flushes.
   */
  write(order: { id: string; createdAt: string; rows: SettlementRows }, computedAt: string, reason: string): number | null;
  /** Reads the current heads of these orders in one query, for the writes that follow. */
  prefetch(ids: readonly string[]): void;
  /** Inserts what was queued; call it inside the same transaction as the writes. */
  flush(): void;
  /**
   * Writes the day totals of everything flushed since the last call, summed (one increment per
   * entity, day and currency); call it before the transaction commits.
   */
  flushDayTotals(): void;
  /** Milliseconds spent keeping the day totals (migration 0010) in this writer's flushes. */
  readonly dayTotalsMs: number;
}

/** The rows of one order's settlement, without their (order, revision) key columns. */
export interface SettlementRows {
  head: [currency: string, captured: number, psp_fees: number, refunded: number, warnings_json: string];
  lines: unknown[][];
  /** The revision's `shares_json` (migration 0018): share tuples (SHARE_COLS) sorted by line, entity and kind. */
  shares_json: string;
  parties: string[];
  /** What the revision adds to each entity's day totals (day-totals.ts). */
  days: DayContributions;
}

/**
 * One leg in a line's `legs_json`: the legs of a line are stored in its row as a JSON array of
 * these. The `settlement_legs` view of migration 0007 reads them back as rows, in this order.
 */
export type StoredLegTuple = [
  rule_group: string, rule_ref: string, to_role: string, to_entity: string | null, from_role: string, from_entity: string | null,
  base: number, rate: string, amount: number, vat: number, void: string | null, reversed_amount: number, reversed_vat: number,
];

function legTuples(legs: OrderSettlement['lines'][number]['legs']): StoredLegTuple[] {
  const rows = new Array<StoredLegTuple>(legs.length);
  for (let j = 0; j < legs.length; j++) {
    const g = legs[j]!;
    rows[j] = [g.group, g.rule, g.to_role, g.to, g.from_role, g.from, g.base, g.rate, g.amount, g.vat, g.void, g.reversed_amount, g.reversed_vat];
  }
  return rows;
}

/** How the day totals of a revision are cut: each entity's zone, and the entities whose totals are kept. */
export interface DayTotalsScope { zoneOf: (entity: string) => string; keep: (entity: string) => boolean }

/**
 * `locationEntities` gives the owner and operator of a location: the stores a line was offered
 * to and that refused it stay parties to the order (they saw the request).
 */
export function settlementRows(os: OrderSettlement, shares: readonly EntityShare[], createdAt: string, days: DayTotalsScope,
  locationEntities: (location: string) => readonly string[] = () => []): SettlementRows {
  const lines: unknown[][] = [];
  const legs: StoredLegTuple[][] = [];
  const parties = new Set<string>([os.platform]);
  for (let i = 0; i < os.lines.length; i++) {
    const l = os.lines[i]!;
    const r = l.roles;
    const tuples = legTuples(l.legs);
    legs.push(tuples);
    lines.push([l.id, i, l.status, l.fulfiller, r.owner, r.shipper, r.pickup, r.catchment, r.origin, r.seller,
      l.gross, l.vat, l.net, l.fee_share, l.returned, l.refunded, l.detail.reversed_gross, l.detail.reversed_vat, l.detail.release_at,
      JSON.stringify(l.decisions), JSON.stringify(tuples)]);
    for (const e of [r.owner, r.shipper, r.pickup, r.catchment, r.origin, r.seller]) if (e !== null) parties.add(e);
    for (const loc of l.detail.refused) for (const e of locationEntities(loc)) parties.add(e);
  }
  for (const sh of shares) parties.add(sh.entity);
  const shareRows = shares.map((sh) => [sh.line, sh.entity, sh.kind, sh.amount, os.currency, sh.release_at]);
  shareRows.sort(byShareKey);
  return {
    head: [os.currency, os.captured, os.psp_fees, os.refunded, JSON.stringify(os.warnings)],
    lines,
    shares_json: JSON.stringify(shareRows),
    parties: [...parties].sort(),
    days: dayContributions(createdAt, os.currency, lines, (i) => legs[i]!, shareRows, days.zoneOf, days.keep),
  };
}

export const LINE_COLS = 'line_id, seq, status, fulfiller, owner, shipper, pickup, catchment, origin, seller, gross, vat, net, fee_share, returned, refunded, reversed_gross, reversed_vat, release_at, decisions_json, legs_json';
export const SHARE_COLS = 'line_id, entity, kind, amount, currency, release_at';

/** Each location's owner and operator entities, for `settlementRows`. */
/** Which of these orders have a settlement stored (one statement). */
export function settledIds(db: Db, ids: readonly string[]): Set<string> {
  if (ids.length === 0) return new Set();
  const keys = keyList(db);
  return new Set(db.prepare(`SELECT order_id FROM settlements WHERE order_id ${keys.sql}`).pluck().all(keys.param(ids)) as string[]);
}

export function loadLocationEntities(db: Db): [id: string, entities: string[]][] {
  return (db.prepare('SELECT id, entity, operator FROM locations').all() as { id: string; entity: string; operator: string }[])
    .map((l) => [l.id, [l.entity, l.operator]]);
}

/** Rows per statement of the settlement writer on SQLite (settlementWriter). */
const ONE = { sqliteRows: 1 };

export function settlementWriter(db: Db): SettlementWriter {
  type Prev = { currency: string; lines: unknown[][]; shares: unknown[][] };
  const pending: { id: string; createdAt: string; rev: number; computedAt: string; reason: string; rows: SettlementRows; prev: Prev | null }[] = [];
  const zones = entityZones(db);
  const zoneOf = (e: string) => zones.get(e) ?? 'Europe/Paris';
  const kept = keptEntities(db);
  const keep = (e: string) => kept.has(e);
  const days = dayTotalsAccumulator(db);
  let dayTotalsMs = 0;
  type Head = { revision: number; currency: string; captured: number; psp_fees: number; refunded: number; warnings_json: string };
  const current = db.prepare('SELECT revision, currency, captured, psp_fees, refunded, warnings_json FROM settlements WHERE order_id = ?');
  const currents = db.prepare(`SELECT order_id, revision, currency, captured, psp_fees, refunded, warnings_json FROM settlements
    WHERE order_id IN (SELECT value FROM json_each(?))`);
  // Prefetched heads: a fresh import's orders have none, and one query per chunk beats one per order.
  let prefetched: { ids: ReadonlySet<string>; heads: Map<string, Head> } | null = null;
  const prevLines = db.prepare(`SELECT ${LINE_COLS} FROM settlement_lines WHERE order_id = ? AND revision = ? ORDER BY seq`).raw();
  const prevShares = db.prepare('SELECT shares_json FROM settlement_revisions WHERE order_id = ? AND revision = ?').pluck();
  // On PostgreSQL many rows per statement (core/store/bulk-insert.ts): one row per statement
  // costs a round trip each, fifteen per order (docs/performance.md, PostgreSQL). SQLite keeps
  // one prepared row per statement (`ONE`) for most: multi-row VALUES measured slower here (5.0 ->
  // 7.7 s at 20,000 orders), the settlement's rows being wide and its upsert per row. Narrow
  // rows without a conflict clause go 64 to a statement: the revisions with their shares (0.64
  // of the CPU alone, their foreign key checked); not the parties nor the lines, which gain
  // little or nothing by it in a run (`npm run bench:rows`; docs/performance.md, sixth session
  // of 2026-12-04).
  const upsert = bulkInsert(db, 'INSERT INTO settlements (order_id, revision, computed_at, reason, currency, captured, psp_fees, refunded, warnings_json) VALUES', 9, { ...ONE,
    tail: `ON CONFLICT (order_id) DO UPDATE SET revision = excluded.revision, computed_at = excluded.computed_at, reason = excluded.reason,
      captured = excluded.captured, psp_fees = excluded.psp_fees, refunded = excluded.refunded, warnings_json = excluded.warnings_json` });
  const putRevision = bulkInsert(db, 'INSERT INTO settlement_revisions (order_id, revision, computed_at, reason, shares_json) VALUES', 5);
  const putLine = bulkInsert(db, `INSERT INTO settlement_lines (order_id, revision, ${LINE_COLS}) VALUES`, 2 + LINE_COLS.split(',').length, ONE);
  const putParties = bulkInsert(db, 'INSERT INTO order_parties (entity, order_id, created_at) VALUES', 3, { ...ONE, tail: 'ON CONFLICT DO NOTHING' });
  const putParty = db.prepare('INSERT INTO order_parties (entity, order_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');

  /** The stored current revision's rows, or null when it holds exactly these rows. */
  function changedFrom(orderId: string, head: Head, rows: SettlementRows): Prev | null {
    const lines = prevLines.all(orderId, head.revision) as unknown[][];
    // Parsed, not compared as text: PostgreSQL's migration 0018 spaced the arrays it wrote.
    const shares = JSON.parse(prevShares.get(orderId, head.revision) as string) as unknown[][];
    const same_ = same([head.currency, head.captured, head.psp_fees, head.refunded, head.warnings_json], rows.head) && same(lines, rows.lines)
      && same(shares, JSON.parse(rows.shares_json) as unknown[][]);
    return same_ ? null : { currency: head.currency, lines, shares };
  }

  return {
    get dayTotalsMs() { return dayTotalsMs; },
    write({ id, createdAt, rows }, computedAt, reason) {
      const head = prefetched?.ids.has(id) ? prefetched.heads.get(id) : current.get(id) as Head | undefined;
      const prev = head ? changedFrom(id, head, rows) : null;
      if (head && prev === null) return null;
      const rev = (head?.revision ?? 0) + 1;
      pending.push({ id, createdAt, rev, computedAt, reason, rows, prev });
      return rev;
    },
    prefetch(ids) {
      const heads = new Map((currents.all(JSON.stringify(ids)) as (Head & { order_id: string })[]).map((h) => [h.order_id, h]));
      prefetched = { ids: new Set(ids), heads };
    },
    flush() {
      // Table by table: each B-tree then takes its rows in one sweep, which SQLite writes
      // markedly faster than the same rows interleaved across the tables.
      for (const p of pending) upsert.add([p.id, p.rev, p.computedAt, p.reason, ...p.rows.head]);
      upsert.flush();
      for (const p of pending) putRevision.add([p.id, p.rev, p.computedAt, p.reason, p.rows.shares_json]);
      putRevision.flush();
      for (const p of pending) for (const l of p.rows.lines) putLine.addAfter(p.id, p.rev, l);
      putLine.flush();
      // Parties by entity: each entity's orders grow at the end of its own key range. An order's
      // first revision has no parties yet (only this writer adds them): all of them are new and
      // go in bulk; a later revision's are inserted one by one, to learn which are new.
      const parties: [string, string, string, string, boolean][] = [];
      for (const p of pending) for (const e of p.rows.parties) parties.push([e, p.id, p.createdAt, p.rows.head[0], p.rev === 1]);
      parties.sort((a, b) => compareText(a[0], b[0]) || compareText(a[1], b[1]));
      const newParties = parties.filter(([e, order, createdAt, , first]) => {
        if (!first) return putParty.run(e, order, createdAt).changes > 0;
        putParties.add([e, order, createdAt]);
        return true;
      });
      putParties.flush();
      const t0 = performance.now();
      for (const [e, , createdAt, currency] of newParties) if (keep(e)) days.addOrder(e, localDay(createdAt, zoneOf(e)), currency);
      // Day totals: what the new revisions add, less what the revisions they replace held.
      for (const p of pending) {
        days.add(p.rows.days);
        if (p.prev) days.add(storedDayContributions(p.createdAt, p.prev.currency, p.prev.lines, p.prev.shares, zoneOf, keep, -1));
      }
      dayTotalsMs += performance.now() - t0;
      pending.length = 0;
      prefetched = null; // the heads just written supersede what was read
    },
    flushDayTotals() {
      const t0 = performance.now();
      days.flush();
      dayTotalsMs += performance.now() - t0;
    },
  };
}

/** The order of the former entity_shares key: line, entity, kind (three strings). */
const byShareKey = (a: unknown[], b: unknown[]) => compareText(a[0] as string, b[0] as string) || compareText(a[1] as string, b[1] as string) || compareText(a[2] as string, b[2] as string);
const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Array.isArray(x) && Array.isArray(y)) { if (!same(x, y)) return false; } else if (x !== y) return false;
  }
  return true;
}

/**
 * SQL condition: the order `s` (a settlements row) is closed at time `?` — every line
 * cancelled, fully returned, or past its release time.
 */
export const CLOSED_AT_SQL = `NOT EXISTS (SELECT 1 FROM settlement_lines l WHERE l.order_id = s.order_id AND l.revision = s.revision
  AND l.status NOT IN ('cancelled', 'returned') AND (l.release_at IS NULL OR l.release_at > ?))`;

/** A share as its revision's `shares_json` holds it (migration 0018), fields in the order of SHARE_COLS. */
export type StoredShareTuple = [line_id: string, entity: string, kind: 'line' | 'fee', amount: number, currency: string, release_at: string | null];

/**
 * The shares of the current revisions, by order id, each revision's in the key's order (line,
 * entity, kind); `where` narrows the current settlements `c` (SQL, its parameters in `args`).
 * The arrays are parsed here rather than read through the entity_shares view: a scan of every
 * current share took twice the former table's time through the view's json_each, and a third
 * of it parsed in JavaScript (docs/performance.md, the entity shares in their revisions). No
 * statement may run on `db` until the iteration ends.
 */
export function* currentShareTuples(db: Db, where = '', args: readonly unknown[] = []): Generator<[order: string, share: StoredShareTuple]> {
  const rows = db.prepare(`SELECT c.order_id, r.shares_json FROM settlements c JOIN settlement_revisions r ON r.order_id = c.order_id AND r.revision = c.revision
    ${where ? `WHERE ${where}` : ''} ORDER BY c.order_id`).raw().iterate(...args) as Iterable<[string, string]>;
  for (const [order, json] of rows) for (const share of JSON.parse(json) as StoredShareTuple[]) yield [order, share];
}
