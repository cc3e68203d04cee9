// One network, many installations, with real processes over TLS on the loopback (issue 12):
// a hub process (`ventil hub`) with a certificate from a CA made by the test, three replica
// databases (two stores and a region) joined and synced by `ventil join` and `ventil sync`
// processes, decisions taken on the replicas. The hub is stopped for a while (the replicas keep
// working, then converge); it is SIGKILLed twenty times while applying pushed commands (every
// command applied exactly once); a replica is SIGKILLed twenty times while applying a page (it
// converges); pushes are delivered twice and out of order. After each part, the replicas hold
// exactly the hub's rows of their scope and export the same FEC, CSV and ledger, byte for byte.
//
// The processes run the `ventil` command bundled by esbuild (test/helpers/processes.ts): the
// same sources as bin/ventil.mjs, started in a third of the time. VENTIL_FAULT_SEED changes the
// order of the fault points.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { principalOfUser } from '../../core/api/auth.js';
import { generateScenario } from '../../core/demo/generate.js';
import { fileCredentialStore, tokenOf } from '../../core/replication/credentials.js';
import { FAULT_ENV } from '../../core/replication/faults.js';
import { hubClient } from '../../core/replication/client.js';
import { syncOnce } from '../../core/replication/sync.js';
import { hashPassword } from '../../core/security/passwords.js';
import { openSqliteDatabase } from '../../core/store/database.js';
import { readReplicaState } from '../../core/store/replica-repo.js';
import type { Sqlite } from '../../core/store/sqlite.js';
import { getUserByLogin, insertUser } from '../../core/store/users-repo.js';
import { tempDir } from '../helpers/db.js';
import { ok, prng, type Json } from '../helpers/lifecycle.js';
import { bundledVentil, makeTestCa, runVentil, startVentil, type Running } from '../helpers/processes.js';
import { exportsOf, replicaDifferences } from '../helpers/replication.js';

const KILLS = 20;
const HOUR = 3_600_000;
const PASSWORD = 'store-manager-password';

interface Replica { name: string; file: string; scope: string; user: string | null; entity: string | null }

describe('a hub and three replicas over TLS, with the hub down, killed hubs and killed replicas', () => {
  const tmp = tempDir('ventil-network-');
  const rnd = prng(Number(process.env.VENTIL_FAULT_SEED ?? 12));
  const hubFile = join(tmp.dir, 'hub.db');
  let tls: ReturnType<typeof makeTestCa>;
  let bin: string;
  let hubDb: Sqlite;
  let hub: Running | null = null;
  let port = 0;
  let scenario: Json;
  const replicas: Record<'a' | 'b' | 'region', Replica> = {
    a: { name: 'a', file: join(tmp.dir, 'store-a.db'), scope: 'entity:F001', user: 'mgr-a', entity: 'F001' },
    b: { name: 'b', file: join(tmp.dir, 'store-b.db'), scope: 'entity:F002', user: 'mgr-b', entity: 'F002' },
    region: { name: 'region', file: join(tmp.dir, 'region.db'), scope: 'region:AURA', user: 'ctl-aura', entity: null },
  };
  let orderSeq = 0;

  const startHub = async (env: NodeJS.ProcessEnv = {}) => {
    hub = await startVentil(['hub', '--listen', `127.0.0.1:${port}`, '--tls-cert', tls.cert, '--tls-key', tls.key, '--db', hubFile], env, 90_000, bin);
    port = Number(new URL(hub.url).port);
    return hub;
  };
  const stopHub = async () => { await hub?.stop(); hub = null; };
  const sync = (r: Replica, env: NodeJS.ProcessEnv = {}, extra: string[] = []) => runVentil(['sync', '--once', '--db', r.file, '--json', ...extra], env, 120_000, bin);

  /** A web order shipped from a store: `candidates` in order, created an hour ago (offers are live). */
  const order = (candidates: string[]) => {
    const id = `K-${++orderSeq}`;
    const created = new Date(Date.now() - HOUR).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      id, channel: 'web', origin: null, customer_postcode: '75001', created_at: created, currency: 'EUR',
      lines: [{ id: '1', sku: `SKU-${id}`, name: id, category: 'apparel', kind: 'goods', quantity: 1, unit_price: 4000 + orderSeq, discount: 0, vat_rate: '0.20', delivery_mode: 'ship_from_store', candidates, pickup_location: null }],
      payments: [{ id: `PAY-${id}`, method: 'card', amount: 4000 + orderSeq, psp_fee: 81, captured_at: created }],
    };
  };
  /** New orders into the hub's database (as its feeds would), settled and routed. */
  const addOrders = (orders: Json[]) => {
    const ctx = createContext(hubDb);
    // Beside the hub process, which writes too: a write transaction begins IMMEDIATE and waits
    // for the hub's (concurrent-writers.test.ts).
    ok(callApi(ctx, 'scenario.import', { scenario: { ...scenario, orders, events: [] } }));
    ok(callApi(ctx, 'routing.tick', {}));
  };
  /** A context on a replica's database as one of its users. */
  const on = (db: Sqlite, login: string) => createContext(db, { principal: principalOfUser(getUserByLogin(db, login)!) });
  const withReplica = <T>(r: Replica, f: (db: Sqlite) => T): T => {
    const { db } = openSqliteDatabase({ file: r.file });
    try { return f(db); } finally { db.close(); }
  };
  const withReplicaAsync = async <T>(r: Replica, f: (db: Sqlite) => Promise<T>): Promise<T> => {
    const { db } = openSqliteDatabase({ file: r.file });
    try { return await f(db); } finally { db.close(); }
  };
  /** Open requests at a location, on a replica, with no decision pending. */
  const openRequests = (db: Sqlite, login: string, location: string) => ok<Json>(callApi(on(db, login), 'inbox.list', { location })).requests
    .filter((x: Json) => x.status === 'open' && x.pending_decision === null);

  const converged = (r: Replica) => withReplica(r, (db) => {
    const diffs = replicaDifferences(hubDb, db);
    const state = readReplicaState(db)!;
    const periods = [...new Set((hubDb.prepare('SELECT DISTINCT substr(entry_date, 1, 7) FROM journal_entries').pluck().all() as string[]))].sort();
    const entities = r.entity ? [r.entity] : (hubDb.prepare("SELECT id FROM entities WHERE region = 'AURA' ORDER BY id").pluck().all() as string[]);
    for (const e of entities) {
      for (const p of periods) {
        if (JSON.stringify(exportsOf(db, e, p)) !== JSON.stringify(exportsOf(hubDb, e, p))) diffs.push(`exports of ${e} for ${p} differ`);
      }
    }
    return { diffs, state, periods: periods.length };
  });

  beforeAll(async () => {
    tls = makeTestCa(tmp.dir);
    bin = await bundledVentil();
    ({ db: hubDb } = openSqliteDatabase({ file: hubFile }));
    const day = (d: number) => new Date(Date.now() - d * 24 * HOUR).toISOString().slice(0, 10);
    scenario = generateScenario({ seed: 31, franchisees: 9, orders: 60, from: day(40), to: day(3), eventsUntil: new Date(Date.now() - 2 * 24 * HOUR).toISOString() }) as unknown as Json;
    // Store A keeps daily books: its subledger and daily batches are compared too.
    for (const e of scenario.network.entities) if (e.id === 'F001') e.posting = 'daily';
    const ctx = createContext(hubDb);
    ok(callApi(ctx, 'scenario.import', { scenario }));
    const hash = hashPassword(PASSWORD);
    const user = (login: string, role: 'store_manager' | 'controller', scope: { regions?: string[]; entities?: string[] }) =>
      insertUser(hubDb, { name: login, login, role, regions: scope.regions ?? [], entities: scope.entities ?? [], password_hash: hash, must_change_password: false, now: new Date().toISOString() });
    user('mgr-a', 'store_manager', { entities: ['F001'] });
    user('mgr-b', 'store_manager', { entities: ['F002'] });
    user('ctl-aura', 'controller', { regions: ['AURA'] });
    // Requests for the two stores to answer: ST-001 first for some, ST-002 first for others.
    addOrders([...Array.from({ length: 34 }, () => order(['ST-001', 'ST-002'])), ...Array.from({ length: 6 }, () => order(['ST-002', 'ST-001']))]);
    await startHub();
    const codes = Object.values(replicas).map((r) => ok<Json>(callApi(createContext(hubDb), 'devices.enroll', { scope: r.scope, name: `device ${r.name}` })).code as string);
    const joins = await Promise.all(Object.values(replicas).map((r, i) => runVentil(['join', hub!.url, '--code', codes[i]!, '--db', r.file, '--ca', tls.ca, '--json'], {}, 120_000, bin)));
    for (const j of joins) expect(j.status, j.stderr + j.stdout).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await stopHub();
    hubDb?.close();
    tmp.cleanup();
  });

  it('keeps the replicas working while the hub is down, then converges them byte for byte', { timeout: 300_000 }, async () => {
    // Decisions at both stores, while the hub is down.
    await stopHub();
    const decided = withReplica(replicas.a, (db) => {
      const [first, second] = openRequests(db, 'mgr-a', 'ST-001');
      ok(callApi(on(db, 'mgr-a'), 'inbox.accept', { order: first.order, line: first.line, location: 'ST-001' }));
      ok(callApi(on(db, 'mgr-a'), 'inbox.refuse', { order: second.order, line: second.line, location: 'ST-001', reason: 'no_stock', note: 'empty shelf' }));
      return [first.order, second.order];
    });
    withReplica(replicas.b, (db) => {
      const [first] = openRequests(db, 'mgr-b', 'ST-002');
      ok(callApi(on(db, 'mgr-b'), 'inbox.accept', { order: first.order, line: first.line, location: 'ST-002' }));
    });
    const offline = await sync(replicas.a);
    expect(offline.status).toBe(1);
    expect(JSON.parse(offline.stdout)).toMatchObject({ offline: true });
    withReplica(replicas.a, (db) => {
      const status = ok<Json>(callApi(on(db, 'mgr-a'), 'replica.status', {}));
      expect(status).toMatchObject({ online: false, pending: [{ op: 'inbox.accept' }, { op: 'inbox.refuse' }] });
      expect(status.offline_since).not.toBeNull();
      expect(status.data_as_of).not.toBeNull();
    });
    // Head office keeps working too: new orders arrive while the replicas cannot see the hub.
    addOrders([order(['ST-002', 'ST-001']), order(['ST-001'])]);

    await startHub();
    const results = await Promise.all(Object.values(replicas).map((r) => sync(r)));
    for (const res of results) expect(res.status, res.stderr + res.stdout).toBe(0);
    expect(JSON.parse(results[0]!.stdout)).toMatchObject({ pushed: 2 });
    // Once more: a decision at one store may change what another holds (a refused line goes on).
    for (const res of await Promise.all(Object.values(replicas).map((r) => sync(r)))) expect(res.status, res.stderr).toBe(0);
    // The hub applied the decisions; the replica shows the hub's state and answers.
    withReplica(replicas.a, (db) => {
      const status = ok<Json>(callApi(on(db, 'mgr-a'), 'replica.status', {}));
      expect(status).toMatchObject({ online: true, offline_since: null, pending: [], refused: [] });
      expect(db.prepare("SELECT status FROM routing_offers WHERE order_id = ? AND location = 'ST-001'").pluck().get(decided[0])).toBe('accepted');
      expect(db.prepare("SELECT status, note FROM routing_offers WHERE order_id = ? AND location = 'ST-001'").get(decided[1])).toEqual({ status: 'refused', note: 'empty shelf' });
      // Its daily books and periodic invoices are there to compare (the months are over: their
      // sums are on the invoices' lines, migration 0017).
      for (const table of ['subledger', 'daily_batches', 'daily_batch_lines', 'invoice_items', 'invoices', 'invoice_lines', 'posting_granularity']) {
        expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).not.toBe(0);
      }
    });
    for (const r of Object.values(replicas)) {
      const { diffs, periods } = converged(r);
      expect(diffs, r.name).toEqual([]);
      expect(periods).toBeGreaterThan(0);
    }
  });

  it(`applies every pushed command exactly once though the hub is SIGKILLed ${KILLS} times while applying them`, { timeout: 600_000 }, async () => {
    const credentials = fileCredentialStore(replicas.a.file);
    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      await stopHub();
      // One or two new decisions at store A each round (the unanswered ones are pushed again).
      withReplica(replicas.a, (db) => {
        for (const req of openRequests(db, 'mgr-a', 'ST-001').slice(0, 1 + rnd.int(2))) {
          const refuse = rnd.int(4) === 0;
          ok(callApi(on(db, 'mgr-a'), refuse ? 'inbox.refuse' : 'inbox.accept', { order: req.order, line: req.line, location: 'ST-001', ...(refuse ? { reason: 'capacity' } : {}) }));
        }
      });
      // Killed inside the transaction applying the k-th command, or after the commit, before answering.
      const point = rnd.int(3) === 0 ? 'hub.push.committed:1' : `hub.command.applied:${1 + rnd.int(2)}`;
      const h = await startHub({ [FAULT_ENV]: point });
      await withReplicaAsync(replicas.a, (db) => syncOnce(db, { credentials }));
      const end = await Promise.race([h.exited, new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
      if (end?.signal === 'SIGKILL') killed++;
      hub = end ? null : h;
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS - 4);
    await stopHub();
    await startHub();
    const first = await sync(replicas.a);
    expect(first.status, first.stderr).toBe(0);
    // Delivered again, twice, and in the wrong order: nothing is applied a second time.
    const pushed = withReplica(replicas.a, (db) => db.prepare('SELECT id, op, input_json, user_id, created_at FROM command_outbox ORDER BY seq').all() as Json[]);
    const client = hubClient({ url: hub!.url, ca: (await import('node:fs')).readFileSync(tls.ca, 'utf8'), token: tokenOf(credentials.load()!) });
    const commands = pushed.map((c) => ({ id: c.id, op: c.op, input: JSON.parse(c.input_json), user: c.user_id, at: c.created_at }));
    const before = hubDb.prepare("SELECT count(*) FROM events WHERE source = 'inbox'").pluck().get();
    await client.call('replication.push', { commands: [...commands].reverse() });
    await client.call('replication.push', { commands });
    expect(hubDb.prepare("SELECT count(*) FROM events WHERE source = 'inbox'").pluck().get()).toBe(before);
    const res = await sync(replicas.a);
    expect(res.status, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ pushed: 0 });
    const device = withReplica(replicas.a, (db) => readReplicaState(db)!.device_id!);
    const answers = hubDb.prepare('SELECT command_id, op, status, input_json FROM device_commands WHERE device_id = ?').all(device) as Json[];
    // Every command once, every accepted answer one event, nothing else.
    expect(answers.map((a) => a.command_id).sort()).toEqual(pushed.map((c) => c.id).sort());
    const accepted = answers.filter((a) => a.status === 'accepted');
    expect(accepted.length).toBeGreaterThan(KILLS / 2);
    for (const a of accepted) {
      const input = JSON.parse(a.input_json);
      const type = a.op === 'inbox.accept' ? 'fulfilment_accepted' : 'fulfilment_refused';
      const n = hubDb.prepare("SELECT count(*) FROM events WHERE source = 'inbox' AND type = ? AND order_id = ? AND line_id = ? AND json_extract(payload_json, '$.location') = ?")
        .pluck().get(type, input.order, input.line, input.location);
      expect(n, `${a.command_id} ${a.op} ${input.order}`).toBe(1);
    }
    expect(hubDb.prepare("SELECT count(*) FROM events WHERE source = 'inbox' AND order_id IN (SELECT json_extract(input_json, '$.order') FROM device_commands WHERE device_id = ?)").pluck().get(device))
      .toBe(accepted.length);
    withReplica(replicas.a, (db) => expect(ok<Json>(callApi(on(db, 'mgr-a'), 'replica.status', {})).pending).toEqual([]));
    expect(converged(replicas.a).diffs).toEqual([]);
  });

  it(`converges a replica SIGKILLed ${KILLS} times while applying a page`, { timeout: 600_000 }, async () => {
    if (!hub) await startHub();
    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      // Something new for store B on the hub each round, over several pages of three documents.
      addOrders([order(['ST-002', 'ST-001']), order(['ST-002']), order(['ST-002', 'ST-001'])]);
      const r = await sync(replicas.b, { [FAULT_ENV]: `replica.page.applied:${1 + rnd.int(3)}` }, ['--page-size', '3']);
      if (r.signal === 'SIGKILL') killed++;
      else expect(r.status, r.stderr).toBe(0);
      withReplica(replicas.b, (db) => expect(db.pragma('integrity_check', { simple: true })).toBe('ok'));
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS - 2);
    const last = await sync(replicas.b);
    expect(last.status, last.stderr).toBe(0);
    expect(JSON.parse(last.stdout)).toMatchObject({ complete: true });
    for (const r of Object.values(replicas)) {
      if (r !== replicas.b) expect((await sync(r)).status).toBe(0);
      expect(converged(r).diffs, r.name).toEqual([]);
    }
  });
});
