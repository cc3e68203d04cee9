// Pull replication in one process (core/replication/hub.ts → core/replication/replica.ts): a hub
// with a generated network (orders, settlements, books, a release run, a closed month), a
// network-wide replica that must hold exactly the hub's replicated rows, store and region
// replicas that must hold exactly their scope, byte-identical exports, small pages, removals,
// and scope changes.
import { columnsOf } from '../../core/store/dialect.js';
import { describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { generateScenario } from '../../core/demo/generate.js';
import { headSeq, sealChanges } from '../../core/store/change-log-repo.js';
import { docTags } from '../../core/store/doc-tags.js';
import { dumpTable, allHeldDocs, readReplicaState } from '../../core/store/replica-repo.js';
import { DOC_KINDS, REPLICATED_TABLES, decodeKey } from '../../core/store/replicated-set.js';
import { updateDevice } from '../../core/store/devices-repo.js';
import type { Db } from '../../core/store/db.js';
import { join } from 'node:path';
import { openDatabase } from '../../core/store/database.js';
import { memoryDb, tempDir } from '../helpers/db.js';
import { sendAllInvoices } from '../helpers/books.js';
import { ok } from '../helpers/lifecycle.js';
import { addDevice, makeReplica, replicaDb, syncInProcess, SYNC_NOW } from '../helpers/replication.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const BUILT = new Date('2026-11-25T12:00:00Z');

function buildHub(): Db {
  const db = memoryDb();
  // Built before November is over: its month sums are still to invoice (those of months invoiced
  // are on the invoices' lines, migration 0017), so the hub holds both.
  const ctx = createContext(db, { now: () => BUILT });
  const scenario = generateScenario({ seed: 12, franchisees: 6, orders: 120, from: '2026-09-01', to: '2026-11-10', eventsUntil: '2026-11-20T00:00:00Z' });
  // The first store keeps daily books (subledger, daily batches); the others detailed ones.
  for (const e of scenario.network.entities) if (e.id === 'F001') e.posting = 'daily';
  ok(callApi(ctx, 'scenario.import', { scenario }));
  ok(callApi(ctx, 'release.run', { as_of: '2026-11-25T00:00:00Z' }));
  sendAllInvoices(ctx);
  return db;
}

/** Every (kind, key) the hub's log says is live for these tags (null: all but device tags). */
function expectedDocs(hub: Db, tags: ReadonlySet<string> | null): Set<string> {
  sealChanges(hub);
  const rows = hub.prepare('SELECT kind, key, tag FROM change_log WHERE live = 1').all() as { kind: string; key: string; tag: string }[];
  return new Set(rows.filter((r) => (tags === null ? !r.tag.startsWith('d:') : tags.has(r.tag))).map((r) => `${r.kind}/${r.key}`));
}

function heldSet(replica: Db): Set<string> {
  return new Set(allHeldDocs(replica).map((d) => `${d.kind}/${d.key}`));
}

/** The hub's rows of the documents a replica holds, table by table, as the replica must have them. */
function rowsOfHeld(db: Db, held: Set<string>, table: string): unknown[][] {
  const kind = DOC_KINDS.find((k) => k.tables.some((t) => t.table === table))!;
  const keyCols = kind.tables.find((t) => t.table === table)!.key;
  const all = dumpTable(db, table);
  const cols = columnsOf(db, table).map((c) => c.name);
  const at = keyCols.map((c) => cols.indexOf(c));
  return all.filter((r) => {
    const key = at.length === 1 ? String(r[at[0]!]) : JSON.stringify(at.map((i) => r[i]));
    return held.has(`${kind.kind}/${key}`);
  });
}

/** Tables of migrations 0010 and 0011 (day totals, periodic invoices, daily books). */
const NEWER_TABLES = ['entity_day_totals', 'entity_day_legs', 'posting_granularity', 'invoice_items', 'invoice_totals', 'invoice_deliveries', 'subledger', 'daily_batches', 'daily_batch_lines'];

function exportsOf(db: Db, entity: string, period: string) {
  const ctx = createContext(db, { now: () => NOW });
  return ['exports.fec', 'exports.csv', 'exports.ledger'].map((op) => callApi(ctx, op, { entity, period }));
}

describe('pull replication', () => {
  const hub = buildHub();

  it('gives a network-wide replica exactly the hub\'s replicated rows', () => {
    const device = addDevice(hub, 'network');
    const replica = replicaDb();
    makeReplica(replica, device, 'network');
    const { pages } = syncInProcess(hub, replica, device, { maxDocs: 400, maxBytes: 256 * 1024 });
    expect(pages.length).toBeGreaterThan(3);
    expect(pages[0]!.reset).toEqual({ tags: null });
    expect(heldSet(replica)).toEqual(expectedDocs(hub, null));
    // The tables of the books at network scale and periodic invoices hold rows, so the comparison covers them.
    for (const table of NEWER_TABLES) expect(hub.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBeGreaterThan(0);
    for (const { table } of REPLICATED_TABLES) {
      if (table === 'users' || table === 'device_commands') continue;
      expect(dumpTable(replica, table), table).toEqual(dumpTable(hub, table));
    }
    expect(readReplicaState(replica)!.hub_seq).toBe(headSeq(hub));
    // Head office's dashboard reads the platform's day totals: the same on the replica.
    const dashboard = (db: Db) => callApi(createContext(db, { now: () => NOW }), 'dashboard.entity', { entity: 'HQ' });
    expect(ok<{ currencies: unknown[] }>(dashboard(hub)).currencies.length).toBeGreaterThan(0);
    expect(dashboard(replica)).toEqual(dashboard(hub));
  });

  it('gives a store replica its scope only, byte-identical exports, and masks other entities\' accounts', () => {
    const store = (hub.prepare("SELECT id FROM entities WHERE kind = 'franchisee' ORDER BY id LIMIT 1").get() as { id: string }).id;
    const device = addDevice(hub, `entity:${store}`);
    const replica = replicaDb();
    makeReplica(replica, device, `entity:${store}`);
    syncInProcess(hub, replica, device, { maxDocs: 50, maxBytes: 64 * 1024 });
    const tags = new Set(['*', `e:${store}`, `d:${device.id}`]);
    const held = heldSet(replica);
    expect(held).toEqual(expectedDocs(hub, tags));
    // Orders: exactly those the store is party to.
    const parties = hub.prepare('SELECT DISTINCT order_id FROM order_parties WHERE entity = ? ORDER BY order_id').pluck().all(store);
    expect(parties.length).toBeGreaterThan(5);
    expect(replica.prepare('SELECT id FROM orders ORDER BY id').pluck().all()).toEqual(parties);
    expect(replica.prepare('SELECT DISTINCT entity FROM journal_entries').pluck().all()).toEqual([store]);
    for (const { table } of REPLICATED_TABLES) {
      if (table === 'entities') continue;
      expect(dumpTable(replica, table), table).toEqual(rowsOfHeld(hub, held, table));
    }
    const entities = replica.prepare('SELECT id, psp_account, erp_code FROM entities ORDER BY id').all() as { id: string; psp_account: string | null }[];
    expect(entities.filter((e) => e.psp_account !== null).map((e) => e.id)).toEqual([store]);
    // Its daily books' detail behind each day's entry, its invoices (and whether sent), its dashboard.
    const as = (db: Db, op: string, input: object) => callApi(createContext(db, { now: () => NOW }), op, input);
    const pieces = hub.prepare("SELECT DISTINCT piece_ref FROM journal_entries WHERE entity = ? AND source_key LIKE 'day:%' ORDER BY 1").pluck().all(store) as string[];
    expect(pieces.length).toBeGreaterThan(3);
    for (const piece of pieces) expect(as(replica, 'journal.detail', { entity: store, piece }), piece).toEqual(as(hub, 'journal.detail', { entity: store, piece }));
    expect(as(replica, 'invoices.list', { entity: store, limit: 5000 })).toEqual(as(hub, 'invoices.list', { entity: store, limit: 5000 }));
    expect(as(replica, 'dashboard.entity', { entity: store })).toEqual(as(hub, 'dashboard.entity', { entity: store }));
    // The books of the store, byte for byte.
    for (const period of ['2026-10', '2026-11']) {
      const a = exportsOf(hub, store, period);
      const b = exportsOf(replica, store, period);
      expect(a.every((r) => r.ok)).toBe(true);
      expect(b).toEqual(a);
    }
  });

  it('sends nothing more when nothing changed, then only what changed', () => {
    const device = addDevice(hub, 'region:AURA');
    const replica = replicaDb();
    makeReplica(replica, device, 'region:AURA');
    syncInProcess(hub, replica, device);
    const idle = syncInProcess(hub, replica, device);
    expect(idle.pages).toHaveLength(1);
    expect(idle.pages[0]!.docs).toEqual([]);
    expect(idle.pages[0]!.reset).toBeUndefined();
    // A rename in the registry reaches everyone; nothing else moves.
    const ctx = createContext(hub, { now: () => NOW });
    const entity = hub.prepare("SELECT * FROM entities WHERE region = 'AURA' LIMIT 1").get() as Record<string, unknown>;
    ok(callApi(ctx, 'network.entities.update', { ...entity, name: 'Renamed SARL' }));
    const after = syncInProcess(hub, replica, device);
    expect(after.pages[0]!.docs.map((d) => `${d[1]}/${d[2]}`)).toEqual([`entity/${entity.id}`]);
    expect(replica.prepare('SELECT name FROM entities WHERE id = ?').pluck().get(entity.id)).toBe('Renamed SARL');
  });

  it('takes a month\'s sums off the replicas once the hub invoices the month', () => {
    const own = buildHub(); // this case moves the hub's clock on
    const device = addDevice(own, 'network');
    const replica = replicaDb();
    makeReplica(replica, device, 'network');
    syncInProcess(own, replica, device);
    const months = (db: Db) => db.prepare('SELECT DISTINCT month FROM invoice_totals ORDER BY month').pluck().all();
    const periods = (db: Db) => db.prepare('SELECT DISTINCT period FROM invoices ORDER BY period').pluck().all();
    expect(months(replica)).toEqual(['2026-11']);
    expect(periods(replica)).toEqual(['2026-09', '2026-10']);
    // December: November's documents are issued, and its sums are their lines from then on.
    ok(callApi(createContext(own, { now: () => NOW }), 'journal.post', { orders: [] }));
    expect(months(own)).toEqual([]);
    syncInProcess(own, replica, device);
    expect(months(replica)).toEqual([]);
    expect(periods(replica)).toEqual(['2026-09', '2026-10', '2026-11']);
    for (const table of ['invoices', 'invoice_lines', 'invoice_totals']) expect(dumpTable(replica, table), table).toEqual(dumpTable(own, table));
  });

  it('drops what leaves the scope and brings what enters it when the scope changes', () => {
    const region = hub.prepare('SELECT region FROM entities WHERE region IS NOT NULL GROUP BY region HAVING count(*) > 1 ORDER BY region LIMIT 1').pluck().get() as string;
    const device = addDevice(hub, `region:${region}`);
    const replica = replicaDb();
    makeReplica(replica, device, `region:${region}`);
    syncInProcess(hub, replica, device);
    const aura = hub.prepare('SELECT id FROM entities WHERE region = ? ORDER BY id').pluck().all(region) as string[];
    expect(aura.length).toBeGreaterThan(1);
    // Narrowed to one store of the region.
    updateDevice(hub, device.id, { scope: `entity:${aura[0]}` });
    const narrowed = { id: device.id, scope: { kind: 'entity' as const, entity: aura[0]! } };
    const r = syncInProcess(hub, replica, narrowed);
    expect(r.pages[0]!.reset).toBeDefined();
    expect(r.results[0]!.removed).toBeGreaterThan(0);
    expect(heldSet(replica)).toEqual(expectedDocs(hub, new Set(['*', `e:${aura[0]}`, `d:${device.id}`])));
    expect(replica.prepare('SELECT DISTINCT entity FROM journal_entries').pluck().all()).toEqual([aura[0]]);
  });

  it('starts a replica over when its hub was restored from a backup, dropping what the hub no longer has', () => {
    const tmp = tempDir('ventil-restore-');
    try {
      const file = join(tmp.dir, 'hub.db');
      const live = openDatabase({ file }).db;
      const ctx = createContext(live, { now: () => NOW });
      ok(callApi(ctx, 'scenario.import', { scenario: generateScenario({ seed: 5, franchisees: 3, orders: 30, from: '2026-09-01', to: '2026-10-10', eventsUntil: '2026-10-20T00:00:00Z' }) }));
      const device = addDevice(live, 'entity:F001');
      sealChanges(live);
      live.prepare('VACUUM INTO ?').run(join(tmp.dir, 'backup.db'));
      const replica = replicaDb();
      makeReplica(replica, device, 'entity:F001');
      // Orders the backup does not have, pulled by the replica before the restore.
      const later = generateScenario({ seed: 5, franchisees: 3, orders: 8, from: '2026-10-11', to: '2026-10-20', eventsUntil: '2026-10-25T00:00:00Z' }) as unknown as { orders: { id: string; payments: { id: string }[] }[] };
      // New orders with their own payments (a PSP payment belongs to one order across the network).
      for (const o of later.orders) {
        o.id = `LATE-${o.id}`;
        for (const p of o.payments) p.id = `LATE-${p.id}`;
      }
      ok(callApi(ctx, 'scenario.import', { scenario: { ...later, events: [] } }));
      syncInProcess(live, replica, device);
      const lateHeld = replica.prepare("SELECT count(*) FROM orders WHERE id LIKE 'LATE-%'").pluck().get() as number;
      expect(lateHeld).toBeGreaterThan(0);
      live.close();
      const restored = openDatabase({ file: join(tmp.dir, 'backup.db') }).db;
      const r = syncInProcess(restored, replica, device);
      expect(r.pages[0]!.reset).toBeDefined();
      expect(replica.prepare("SELECT count(*) FROM orders WHERE id LIKE 'LATE-%'").pluck().get()).toBe(0);
      expect(heldSet(replica)).toEqual(expectedDocs(restored, new Set(['*', 'e:F001', `d:${device.id}`])));
      expect(readReplicaState(replica)).toMatchObject({ resync: 0 });
      restored.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('tags every document kind it seals', () => {
    sealChanges(hub);
    const kinds = hub.prepare('SELECT DISTINCT kind FROM change_log ORDER BY kind').pluck().all() as string[];
    for (const k of ['order', 'journal_entry', 'invoice', 'transfer', 'release_run', 'entity', 'location', 'rule', 'setting', 'outbox']) {
      expect(kinds).toContain(k);
    }
    const kind = DOC_KINDS.find((k) => k.kind === 'order')!;
    expect(decodeKey(kind, 'W-1')).toEqual(['W-1']);
    expect(docTags(hub, 'order', ['NOPE']).size).toBe(0);
    void SYNC_NOW;
  });
});
