// Storing a validated `ventil.scenario/1` and reading it back. Import is idempotent: what is
// already stored with the same content is skipped; the same id with other content is a named
// conflict (a rule change is a new version, never an overwrite). The caller runs `importScenario`
// inside one transaction, so a conflict anywhere leaves the database untouched. What counts as a
// conflict is the import policy's (core/domain/import-policy.ts).
import type { Catchment, Entity, Issue, LifecycleEvent, Location, Network, Order, Rule, Scenario } from '../domain/scenario.js';
import { createHash } from 'node:crypto';
import { eventContent } from '../domain/event-identity.js';
import {
  eventConflict, orderConflict, overlappingVersions, overlaps, rowConflict, ruleVersionConflict, settingsVerdict, takenPayments,
} from '../domain/import-policy.js';
import { DEFAULT_TIME_ZONE } from '../domain/time-zone.js';
import { bulkInsert } from './bulk-insert.js';
import { intakeWriting, keyList } from './dialect.js';
import { contentHash } from './hash.js';
import type { Db } from './db.js';

/** The network settings stored in `network_settings` (the network object without its lists). */
export function settingsOf(network: Network): Record<string, unknown> {
  const { entities: _e, locations: _l, catchments: _c, ...settings } = network;
  return settings;
}

export interface Counts { added: number; unchanged: number }
export interface ImportSummary {
  settings: 'added' | 'unchanged';
  entities: Counts;
  locations: Counts;
  catchments: Counts;
  rules: Counts;
  orders: Counts;
  lines: Counts;
  events: Counts;
}

/**
 * Identity of a lifecycle event: its `id`, or a hash of its content as the engine compares it
 * (core/domain/event-identity.ts: times as instants), so the store and the engine agree on what
 * a duplicate is.
 */
export function eventKey(event: LifecycleEvent): string {
  return event.id !== undefined ? `id:${event.id}` : `h:${createHash('sha256').update(eventContent(event)).digest('hex')}`;
}

const counts = (): Counts => ({ added: 0, unchanged: 0 });

/**
 * Writes what is new in the scenario; returns what it did, or the conflicts it found (in which
 * case it wrote nothing the caller's transaction will keep: the caller throws and rolls back).
 */
export function importScenario(db: Db, s: Scenario, now: string): { summary: ImportSummary; conflicts: Issue[]; touchedOrders: string[]; newOrders: Set<string> } {
  const conflicts: Issue[] = [];
  const summary: ImportSummary = {
    settings: 'unchanged', entities: counts(), locations: counts(), catchments: counts(),
    rules: counts(), orders: counts(), lines: counts(), events: counts(),
  };
  const conflict = (path: string, code: string, message: string) => conflicts.push({ path, code, message });

  // Settings: the first import sets them; later imports must agree.
  const stored = db.prepare('SELECT key, value FROM network_settings').all() as { key: string; value: string }[];
  const settings = settingsOf(s.network);
  if (stored.length === 0) {
    const put = db.prepare('INSERT INTO network_settings (key, value) VALUES (?, ?)');
    for (const [k, v] of Object.entries(settings)) if (v !== undefined) put.run(k, JSON.stringify(v));
    summary.settings = 'added';
  } else {
    const verdict = settingsVerdict(new Map(stored.map((r) => [r.key, r.value])), settings, (a, b) => contentHash(a) === contentHash(b));
    conflicts.push(...verdict.conflicts);
    const put = db.prepare('INSERT INTO network_settings (key, value) VALUES (?, ?)');
    for (const [k, v] of verdict.add) put.run(k, JSON.stringify(v));
  }

  upsertSame(db, 'entities', s.network.entities, (e: Entity) => entityRow(e), 'network.entities', summary.entities, conflict);
  startGranularity(db, now);
  upsertSame(db, 'locations', s.network.locations, (l: Location) => locationRow(l), 'network.locations', summary.locations, conflict);
  upsertSame(db, 'catchments', s.network.catchments, (c: Catchment) => ({ postcode_prefix: c.postcode_prefix, location: c.location }),
    'network.catchments', summary.catchments, conflict, 'postcode_prefix');

  importRules(db, s.rules, now, summary.rules, conflict);
  const newOrders = importOrders(db, s.orders, now, summary, conflict);
  const withEvents = importEvents(db, s.events, now, 'import', summary.events, conflict);
  return { summary, conflicts, touchedOrders: [...new Set([...newOrders, ...withEvents])], newOrders: new Set(newOrders) };
}

/** A new entity's books take its posting granularity from the start (docs/accounting.md). */
export function startGranularity(db: Db, now: string): void {
  db.prepare(`INSERT INTO posting_granularity (entity, from_month, granularity, set_at)
    SELECT id, '0000-00', posting, ? FROM entities e WHERE NOT EXISTS (SELECT 1 FROM posting_granularity g WHERE g.entity = e.id)`).run(now);
}

function entityRow(e: Entity) {
  return {
    id: e.id, name: e.name, kind: e.kind, siren: e.siren, vat_number: e.vat_number ?? null,
    region: e.region ?? null, psp_account: e.psp_account ?? null, erp_code: e.erp_code ?? null,
    fiscal_year_end: e.fiscal_year_end ?? '12-31', currency: e.currency ?? 'EUR', time_zone: e.time_zone ?? DEFAULT_TIME_ZONE, posting: e.posting ?? 'detail',
  };
}

function locationRow(l: Location) {
  return {
    id: l.id, entity: l.entity, operator: l.operator ?? l.entity, kind: l.kind, postcode: l.postcode ?? null,
    ship: l.ship ? 1 : 0, collect: l.collect ? 1 : 0,
  };
}

/**
 * Inserts rows whose key is new; compares the others column by column. The table (a network's
 * entities, locations or catchments: hundreds of rows) is read once, and the new rows written in
 * bulk, not a query and an insert per row.
 */
function upsertSame<T>(
  db: Db, table: string, items: readonly T[], toRow: (item: T) => Record<string, unknown>,
  path: string, c: Counts, conflict: (path: string, code: string, message: string) => void, key = 'id',
) {
  const stored = new Map((db.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]).map((r) => [r[key], r]));
  let put: { cols: string[]; rows: ReturnType<typeof bulkInsert> } | null = null;
  for (const [i, item] of items.entries()) {
    const row = toRow(item);
    const existing = stored.get(row[key]);
    if (!existing) {
      if (!put) {
        const cols = Object.keys(row);
        put = { cols, rows: bulkInsert(db, `INSERT INTO ${table} (${cols.join(', ')}) VALUES`, cols.length, { sqliteRows: 1 }) };
      }
      put.rows.add(put.cols.map((k) => row[k]));
      stored.set(row[key], row);
      c.added++;
      continue;
    }
    const differs = rowConflict(existing, row, key, `${path}[${i}]`);
    if (differs) conflict(differs.path, differs.code, differs.message);
    else c.unchanged++;
  }
  put?.rows.flush();
}

/** What identifies a rule version's content (its id and version aside). */
export function ruleContent(r: Rule) {
  return { group: r.group, name: r.name ?? null, description: r.description ?? null, priority: r.priority, valid_from: r.valid_from, valid_to: r.valid_to ?? null, when: r.when, legs: r.legs };
}

function importRules(db: Db, rules: readonly Rule[], now: string, c: Counts, conflict: (p: string, code: string, m: string) => void) {
  const get = db.prepare('SELECT content_hash FROM rules WHERE id = ? AND version = ?');
  const put = db.prepare(`INSERT INTO rules (id, version, rule_group, name, description, priority, valid_from, valid_to, when_json, legs_json, content_hash, status, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?)`);
  const others = db.prepare('SELECT version, valid_from, valid_to FROM rules WHERE id = ? AND version != ?');
  rules.forEach((r, i) => {
    const hash = contentHash(ruleContent(r));
    const existing = get.get(r.id, r.version) as { content_hash: string } | undefined;
    if (existing) {
      const differs = ruleVersionConflict(existing.content_hash, hash, r, `rules[${i}]`);
      if (differs) conflict(differs.path, differs.code, differs.message);
      else c.unchanged++;
      return;
    }
    const stored = others.all(r.id, r.version) as { version: number; valid_from: string; valid_to: string | null }[];
    for (const o of overlappingVersions({ ...r, valid_to: r.valid_to ?? null }, stored, `rules[${i}]`)) conflict(o.path, o.code, o.message);
    put.run(r.id, r.version, r.group, r.name ?? null, r.description ?? null, r.priority, r.valid_from, r.valid_to ?? null, JSON.stringify(r.when ?? {}), JSON.stringify(r.legs), hash, now);
    c.added++;
  });
}

export { overlaps };

/** Orders (and events) per look-up of what is stored: one query per chunk instead of one per row. */
const CHUNK = 5000;

function* chunksOf<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < items.length; i += CHUNK) yield items.slice(i, i + CHUNK);
}

// The import writes its rows in bulk (core/store/bulk-insert.ts: `unnest` chunks on PostgreSQL,
// where a statement per row made a 100,000-order import take 697 s; one prepared row per
// statement on SQLite, as before) and looks up what is stored one chunk at a time. What this
// import added is remembered, so a repeat within the file is judged as if it were stored.
function importOrders(db: Db, orders: readonly Order[], now: string, summary: ImportSummary, conflict: (p: string, code: string, m: string) => void): string[] {
  const added: string[] = [];
  intakeWriting(db);
  const inList = keyList(db);
  const storedHashes = db.prepare(`SELECT id, content_hash FROM orders WHERE id ${inList.sql}`);
  const storedOwners = db.prepare(`SELECT payment_id, order_id FROM payments WHERE payment_id ${inList.sql}`);
  const putOrder = bulkInsert(db, 'INSERT INTO orders (id, channel, origin, customer_postcode, created_at, currency, discount, content_hash, imported_at) VALUES', 9,
    { sqliteRows: 1 });
  const putLine = bulkInsert(db, `INSERT INTO order_lines (order_id, line_id, seq, sku, name, category, kind, quantity, unit_price, discount, vat_rate, delivery_mode, candidates_json, pickup_location) VALUES`,
    14, { sqliteRows: 1, before: () => putOrder.flush() });
  const putPayment = bulkInsert(db, 'INSERT INTO payments (order_id, payment_id, seq, method, amount, psp_fee, captured_at) VALUES', 7,
    { sqliteRows: 1, before: () => putOrder.flush() });
  /** Content hash of each order stored before or added by this import. */
  const hashes = new Map<string, string>();
  /** Orders carrying each payment, stored before or added by this import. */
  const owners = new Map<string, string[]>();
  const own = (paymentId: string, orderId: string) => {
    const list = owners.get(paymentId);
    if (list) list.push(orderId);
    else owners.set(paymentId, [orderId]);
  };
  let i = 0;
  for (const chunk of chunksOf(orders)) {
    for (const r of storedHashes.all(inList.param(chunk.map((o) => o.id))) as { id: string; content_hash: string }[]) hashes.set(r.id, r.content_hash);
    const paymentIds = chunk.flatMap((o) => o.payments.map((p) => p.id));
    for (const r of storedOwners.all(inList.param(paymentIds)) as { payment_id: string; order_id: string }[]) own(r.payment_id, r.order_id);
    for (const o of chunk) {
      const at = i++;
      const hash = contentHash(o);
      const existing = hashes.get(o.id);
      if (existing !== undefined) {
        const differs = orderConflict(existing, hash, o.id, `orders[${at}]`);
        if (differs) conflict(differs.path, differs.code, differs.message);
        else { summary.orders.unchanged++; summary.lines.unchanged += o.lines.length; }
        continue;
      }
      // A payment already carried by another stored order would be counted twice (migration 0008's trigger backs this up).
      const taken = takenPayments(o.payments, (id) => owners.get(id)?.find((owner) => owner !== o.id), `orders[${at}]`);
      if (taken.length > 0) {
        for (const t of taken) conflict(t.path, t.code, t.message);
        continue;
      }
      hashes.set(o.id, hash);
      putOrder.add([o.id, o.channel, o.origin ?? null, o.customer_postcode ?? null, o.created_at, o.currency, o.discount ?? 0, hash, now]);
      o.lines.forEach((l, seq) => {
        putLine.add([o.id, l.id, seq, l.sku ?? null, l.name ?? null, l.category ?? null, l.kind, l.quantity, l.unit_price, l.discount ?? 0,
          l.vat_rate, l.delivery_mode, JSON.stringify(l.candidates), l.pickup_location ?? null]);
      });
      o.payments.forEach((p, seq) => {
        own(p.id, o.id);
        putPayment.add([o.id, p.id, seq, p.method ?? null, p.amount, p.psp_fee ?? 0, p.captured_at]);
      });
      summary.orders.added++;
      summary.lines.added += o.lines.length;
      added.push(o.id);
    }
  }
  putOrder.flush();
  putLine.flush();
  putPayment.flush();
  return added;
}

/** Appends events not seen before; the same identity with other content is a conflict. */
export function importEvents(db: Db, events: readonly LifecycleEvent[], now: string, source: string, c: Counts,
  conflict: (p: string, code: string, m: string) => void, pathPrefix = 'events'): string[] {
  intakeWriting(db);
  const inList = keyList(db);
  const stored = db.prepare(`SELECT event_key, payload_json FROM events WHERE event_key ${inList.sql}`);
  const put = bulkInsert(db, 'INSERT INTO events (event_key, order_id, line_id, type, at, payload_json, received_at, source) VALUES', 8, { sqliteRows: 1 });
  /** Payload of each event stored before or added by this import, by key. */
  const payloads = new Map<string, string>();
  const touched = new Set<string>();
  let i = 0;
  for (const chunk of chunksOf(events)) {
    const keys = chunk.map(eventKey);
    for (const r of stored.all(inList.param(keys)) as { event_key: string; payload_json: string }[]) payloads.set(r.event_key, r.payload_json);
    chunk.forEach((e, k) => {
      const at = i++;
      const key = keys[k]!;
      const existing = payloads.get(key);
      if (existing !== undefined) {
        const differs = eventConflict(eventContent(JSON.parse(existing) as LifecycleEvent), eventContent(e), key, `${pathPrefix}[${at}]`);
        if (differs) conflict(differs.path, differs.code, differs.message);
        else c.unchanged++;
        return;
      }
      const payload = JSON.stringify(e);
      payloads.set(key, payload);
      put.add([key, e.order, e.line, e.type, e.at, payload, now, source]);
      touched.add(e.order);
      c.added++;
    });
  }
  put.flush();
  return [...touched];
}

// ---- Reading back -------------------------------------------------------------------------

interface OrderRow { id: string; channel: string; origin: string | null; customer_postcode: string | null; created_at: string; currency: string; discount: number }
interface LineRow { order_id: string; line_id: string; sku: string | null; name: string | null; category: string | null; kind: string; quantity: number; unit_price: number; discount: number; vat_rate: string; delivery_mode: string; candidates_json: string; pickup_location: string | null }
interface PaymentRow { order_id: string; payment_id: string; method: string | null; amount: number; psp_fee: number; captured_at: string }

/** The stored network as the domain reads it. */
export function loadNetwork(db: Db): Network {
  const settings = Object.fromEntries(
    (db.prepare('SELECT key, value FROM network_settings').all() as { key: string; value: string }[]).map((r) => [r.key, JSON.parse(r.value)]),
  );
  const entities = db.prepare('SELECT * FROM entities ORDER BY id').all() as Entity[];
  const locations = (db.prepare('SELECT * FROM locations ORDER BY id').all() as (Omit<Location, 'ship' | 'collect'> & { ship: number; collect: number })[])
    .map((l) => ({ ...l, ship: l.ship === 1, collect: l.collect === 1 }));
  const catchments = db.prepare('SELECT postcode_prefix, location FROM catchments ORDER BY postcode_prefix').all() as Catchment[];
  return { ...settings, entities, locations, catchments } as Network;
}

/**
 * Every rule version. Retired rules stay: retiring closes a version's validity, so orders
 * created before keep the rule they were settled with.
 */
export function loadRules(db: Db): Rule[] {
  const rows = db.prepare('SELECT * FROM rules ORDER BY id, version').all() as {
    id: string; version: number; rule_group: string; name: string | null; description: string | null; priority: number; valid_from: string; valid_to: string | null; when_json: string; legs_json: string;
  }[];
  return rows.map((r) => ({
    id: r.id, version: r.version, group: r.rule_group, ...(r.name === null ? {} : { name: r.name }), ...(r.description === null ? {} : { description: r.description }), priority: r.priority, valid_from: r.valid_from, valid_to: r.valid_to,
    when: JSON.parse(r.when_json), legs: JSON.parse(r.legs_json),
  }) as Rule);
}

/**
 * Orders with their lines and payments, in created order then id. `ids` limits the set;
 * the lines and payments keep the order they were imported in.
 */
export function loadOrders(db: Db, ids?: readonly string[]): Order[] {
  const where = ids ? `WHERE id IN (SELECT value FROM json_each(?))` : '';
  const whereChild = ids ? `WHERE order_id IN (SELECT value FROM json_each(?))` : '';
  const args = ids ? [JSON.stringify(ids)] : [];
  const orders = db.prepare(`SELECT id, channel, origin, customer_postcode, created_at, currency, discount FROM orders ${where} ORDER BY created_at, id`).all(...args) as OrderRow[];
  const lines = new Map<string, LineRow[]>();
  for (const l of db.prepare(`SELECT * FROM order_lines ${whereChild} ORDER BY order_id, seq`).all(...args) as LineRow[]) {
    let list = lines.get(l.order_id);
    if (!list) lines.set(l.order_id, (list = []));
    list.push(l);
  }
  const payments = new Map<string, PaymentRow[]>();
  for (const p of db.prepare(`SELECT * FROM payments ${whereChild} ORDER BY order_id, seq`).all(...args) as PaymentRow[]) {
    let list = payments.get(p.order_id);
    if (!list) payments.set(p.order_id, (list = []));
    list.push(p);
  }
  return orders.map((o) => ({
    id: o.id, channel: o.channel, origin: o.origin, customer_postcode: o.customer_postcode, created_at: o.created_at,
    currency: o.currency, discount: o.discount,
    lines: (lines.get(o.id) ?? []).map((l) => ({
      id: l.line_id, sku: l.sku, ...(l.name === null ? {} : { name: l.name }), category: l.category, kind: l.kind, quantity: l.quantity, unit_price: l.unit_price,
      discount: l.discount, vat_rate: l.vat_rate, delivery_mode: l.delivery_mode, candidates: JSON.parse(l.candidates_json),
      pickup_location: l.pickup_location,
    })),
    payments: (payments.get(o.id) ?? []).map((p) => ({
      id: p.payment_id, method: p.method, amount: p.amount, psp_fee: p.psp_fee, captured_at: p.captured_at,
    })),
  }) as Order);
}

/** Stored lifecycle events in the order they were received (`seq`); `ids` limits to some orders. */
export function loadEvents(db: Db, orderIds?: readonly string[]): LifecycleEvent[] {
  const rows = orderIds
    ? db.prepare('SELECT payload_json FROM events WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY seq').all(JSON.stringify(orderIds))
    : db.prepare('SELECT payload_json FROM events ORDER BY seq').all();
  return (rows as { payload_json: string }[]).map((r) => JSON.parse(r.payload_json) as LifecycleEvent);
}

/** Records an import that changed something (what file, from where, what it added). */
export function recordImport(db: Db, i: { file_hash: string; source: string; at: string; summary_json: string }): void {
  db.prepare('INSERT INTO imports (file_hash, source, at, summary_json) VALUES (?, ?, ?, ?)').run(i.file_hash, i.source, i.at, i.summary_json);
}
