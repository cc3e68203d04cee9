// A hub and a store's replica in one process (the hub reached through callApi, as JSON):
// enrolment with one-time codes, operations refused on the replica, decisions queued offline and
// applied once by the hub, refusals with their reason, commands outside the device's scope or
// role, revocation, malformed and stale pages. Over real processes and TLS:
// test/integration/network-faults.test.ts.
import { describe, expect, it } from 'vitest';
import { principalOfUser } from '../../core/api/auth.js';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../../core/api/principal.js';
import { startReplicaSync } from '../../core/replication/background.js';
import { tokenOf } from '../../core/replication/credentials.js';
import { applyPage } from '../../core/replication/replica.js';
import { joinNetwork, syncOnce } from '../../core/replication/sync.js';
import { getDevice } from '../../core/store/devices-repo.js';
import { readReplicaState } from '../../core/store/replica-repo.js';
import { getUserByLogin, insertUser } from '../../core/store/users-repo.js';
import { hashPassword } from '../../core/security/passwords.js';
import type { Db } from '../../core/store/db.js';
import { memoryDb } from '../helpers/db.js';
import { basicScenario, err, importInto, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';
import { inProcessHub, memoryCredentials, replicaDb } from '../helpers/replication.js';

const HUB_URL = 'https://hub.example.test:8443';
const PASSWORD = 'a-long-enough-password';
const PASSWORD_HASH = hashPassword(PASSWORD);

function setup() {
  const hub = memoryDb();
  let now = new Date('2026-03-12T00:00:00Z');
  const clock = () => now;
  const system = createContext(hub, { now: clock });
  importInto(system, basicScenario({
    orders: [
      shipFromStore('W-2001', '2026-03-10T10:00:00Z', ['ST-LYON', 'ST-VILL', 'ST-LILLE']),
      shipFromStore('W-2002', '2026-03-11T10:00:00Z', ['ST-VILL', 'ST-LYON']),
      shipFromStore('W-2003', '2026-03-11T11:00:00Z', ['ST-LILLE', 'ST-LYON']),
    ],
  }));
  ok(callApi(system, 'routing.tick', {}));
  // Users written directly with one scrypt hash made once: the API's users.create is tested elsewhere.
  const user = (login: string, role: 'store_manager' | 'controller', scope: { regions?: string[]; entities?: string[] }) => insertUser(hub, {
    name: login, login, role, regions: scope.regions ?? [], entities: scope.entities ?? [], password_hash: PASSWORD_HASH, must_change_password: false, now: now.toISOString(),
  });
  user('lyon', 'store_manager', { entities: ['LYON'] });
  user('aura', 'controller', { regions: ['AURA'] });
  user('lille', 'store_manager', { entities: ['LILLE'] });
  let down = false;
  const connect = inProcessHub(hub, clock, { down: () => down });
  return {
    hub, system, clock, connect,
    set: (t: string) => { now = new Date(t); },
    setDown: (d: boolean) => { down = d; },
  };
}

type Setup = ReturnType<typeof setup>;

async function joinStore(s: Setup, entity = 'LYON') {
  const { code } = ok(callApi(s.system, 'devices.enroll', { scope: `entity:${entity}`, name: `PC ${entity}` }));
  const replica = replicaDb();
  const credentials = memoryCredentials();
  const joined = await joinNetwork(replica, { url: HUB_URL, code }, { credentials, connect: s.connect, now: s.clock });
  const sync = () => syncOnce(replica, { credentials, connect: s.connect, now: s.clock });
  expect((await sync()).complete).toBe(true);
  /** A context on the replica as one of its (replicated) users. */
  const as = (login: string) => {
    const u = getUserByLogin(replica, login);
    if (!u) throw new Error(`no user ${login} on the replica`);
    return createContext(replica, { principal: principalOfUser(u) as Principal, now: s.clock });
  };
  return { replica, credentials, device: joined.device, sync, as, code };
}

const count = (db: Db, sql: string, ...args: unknown[]) => db.prepare(sql).pluck().get(...args) as number;

describe('enrolment', () => {
  it('joins once per code; reused, expired and forged codes are named errors that store nothing', async () => {
    const s = setup();
    const { replica, device, code } = await joinStore(s);
    expect(device).toMatchObject({ scope: 'entity:LYON', name: 'PC LYON' });
    expect(readReplicaState(replica)).toMatchObject({ status: 'active', hub_url: HUB_URL, scope: 'entity:LYON' });
    // The secret is stored hashed on the hub; the code is used.
    const row = s.hub.prepare('SELECT * FROM devices WHERE id = ?').get(device.id) as Json;
    expect(row).toMatchObject({ status: 'active' });
    expect(row.code_used_at).not.toBeNull();
    expect(JSON.stringify(row)).not.toContain(code);

    const devicesBefore = s.hub.prepare('SELECT * FROM devices ORDER BY id').all();
    const auditBefore = count(s.hub, 'SELECT count(*) FROM audit_log');
    const again = replicaDb();
    await expect(joinNetwork(again, { url: HUB_URL, code }, { credentials: memoryCredentials(), connect: s.connect })).rejects.toMatchObject({ code: 'enrolment_code_used' });
    await expect(joinNetwork(again, { url: HUB_URL, code: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' }, { credentials: memoryCredentials(), connect: s.connect })).rejects.toMatchObject({ code: 'enrolment_code_invalid' });
    await expect(joinNetwork(again, { url: HUB_URL, code: 'not a code' }, { credentials: memoryCredentials(), connect: s.connect })).rejects.toMatchObject({ code: 'enrolment_code_invalid' });
    const { code: late } = ok(callApi(s.system, 'devices.enroll', { scope: 'entity:VILL', name: 'PC Vill' }));
    const devicesWithLate = s.hub.prepare('SELECT * FROM devices ORDER BY id').all();
    s.set('2026-03-13T00:00:01Z');
    await expect(joinNetwork(again, { url: HUB_URL, code: late }, { credentials: memoryCredentials(), connect: s.connect })).rejects.toMatchObject({ code: 'enrolment_code_expired' });
    expect(s.hub.prepare('SELECT * FROM devices ORDER BY id').all()).toEqual(devicesWithLate);
    expect(devicesWithLate).toHaveLength(devicesBefore.length + 1);
    expect(count(s.hub, 'SELECT count(*) FROM audit_log')).toBe(auditBefore + 1); // the enrolment of PC Vill only
    expect(readReplicaState(again)).toBeUndefined();
    // A plain-HTTP hub is refused unless on the loopback.
    await expect(joinNetwork(again, { url: 'http://hub.example.test', code: late }, { credentials: memoryCredentials(), connect: s.connect })).rejects.toMatchObject({ code: 'tls_required' });
  });

  it('refuses a scope that names nothing, and enrolment to anyone but an admin', () => {
    const s = setup();
    expect(err(callApi(s.system, 'devices.enroll', { scope: 'entity:NOPE', name: 'x' }))).toMatchObject({ code: 'invalid_input' });
    expect(err(callApi(s.system, 'devices.enroll', { scope: 'shop:LYON', name: 'x' }))).toMatchObject({ code: 'invalid_input' });
    expect(count(s.hub, 'SELECT count(*) FROM devices')).toBe(0);
  });
});

describe('the first start of a new database', () => {
  it('joins a network in the background with the code given on the first screen, or says why not', async () => {
    const s = setup();
    const { code } = ok(callApi(s.system, 'devices.enroll', { scope: 'entity:LYON', name: 'PC LYON' }));
    const db = replicaDb();
    const anon = () => createContext(db, { principal: ANONYMOUS_PRINCIPAL, now: s.clock });
    expect(ok(callApi(anon(), 'auth.status', {}))).toMatchObject({ needs_setup: true, can_join: true, installation: { kind: 'hub', join_error: null } });
    expect(err(callApi(anon(), 'setup.join', { url: HUB_URL, code: 'too short' }))).toMatchObject({ code: 'enrolment_code_invalid' });
    expect(err(callApi(anon(), 'setup.join', { url: 'http://hub.example.test', code }))).toMatchObject({ code: 'tls_required' });
    const credentials = memoryCredentials();
    const loop = startReplicaSync(db, { credentials, connect: s.connect, now: s.clock, intervalMs: 3_600_000 });
    try {
      // A well-formed code the hub never issued: refused in the background, the reason shown.
      ok(callApi(anon(), 'setup.join', { url: HUB_URL, code: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' }));
      expect(ok(callApi(anon(), 'auth.status', {}))).toMatchObject({ needs_setup: false, installation: { kind: 'joining', hub_url: HUB_URL } });
      expect(err(callApi(anon(), 'auth.setup', { name: 'x', login: 'admin', password: PASSWORD }))).toMatchObject({ code: 'joining' });
      await loop.syncNow();
      expect(ok(callApi(anon(), 'auth.status', {}))).toMatchObject({ can_join: true, installation: { kind: 'hub', join_error: { code: 'enrolment_code_invalid' } } });
      // The right code: joined and synced; the store's manager signs in.
      ok(callApi(anon(), 'setup.join', { url: HUB_URL, code }));
      await loop.syncNow();
      expect(ok(callApi(anon(), 'auth.status', {}))).toMatchObject({ needs_setup: false, can_join: false, installation: { kind: 'replica', hub_url: HUB_URL, revoked: false } });
      expect(ok(callApi(anon(), 'auth.login', { login: 'lyon', password: PASSWORD }))).toMatchObject({ user: { login: 'lyon' } });
      expect(err(callApi(anon(), 'setup.demo', {}))).toMatchObject({ code: 'already_joined' });
    } finally {
      await loop.stop();
    }
  });

});

describe('a store replica', () => {
  it('holds its scope, refuses the hub\'s operations naming the hub, and reads offline', async () => {
    const s = setup();
    const { replica, as, sync } = await joinStore(s);
    const lyonOrders = s.hub.prepare("SELECT DISTINCT order_id FROM order_parties WHERE entity = 'LYON' ORDER BY order_id").pluck().all();
    expect(lyonOrders).toContain('W-2001');
    expect(replica.prepare('SELECT id FROM orders ORDER BY id').pluck().all()).toEqual(lyonOrders);
    expect(count(s.hub, 'SELECT count(*) FROM orders')).toBeGreaterThan(lyonOrders.length);
    expect(replica.prepare('SELECT login FROM users ORDER BY login').pluck().all()).toEqual(['lyon']);
    const system = createContext(replica, { now: s.clock });
    for (const [op, input] of [['release.run', {}], ['routing.tick', {}], ['journal.periods.close', { entity: 'LYON', period: '2026-02' }],
      ['scenario.import', { scenario: {} }], ['users.create', { name: 'x', login: 'xxx', role: 'auditor', password: PASSWORD }]] as const) {
      const e = err(callApi(system, op, input));
      expect(e.code, op).toBe('hub_only');
      expect(e.message).toContain(HUB_URL);
    }
    s.setDown(true);
    const inbox = ok(callApi(as('lyon'), 'inbox.list', {}));
    expect(inbox.requests.map((r: Json) => r.order)).toEqual(['W-2001']);
    expect(ok(callApi(as('lyon'), 'orders.get', { id: 'W-2001' }))).toBeTruthy();
    // Opening a request is the reader's own state: kept on the replica, offline too, not sent up.
    expect(inbox.unread).toBe(1);
    expect(ok(callApi(as('lyon'), 'inbox.markRead', { offers: [inbox.requests[0].offer] }))).toMatchObject({ marked: 1, unread: 0 });
    expect(count(replica, 'SELECT count(*) FROM command_outbox')).toBe(0);
    s.setDown(false);
    await sync();
    expect(ok(callApi(as('lyon'), 'inbox.unread', {}))).toMatchObject({ open: 1, unread: 0 });
    expect(count(s.hub, 'SELECT count(*) FROM inbox_reads')).toBe(0);
  });

  it('drops, at its next sync, the guards of a table a newer version replicates', async () => {
    const s = setup();
    const { replica, sync } = await joinStore(s);
    // As a replica that joined before the subledger replicated still has it.
    replica.exec("CREATE TRIGGER subledger_immutable_delete BEFORE DELETE ON subledger BEGIN SELECT RAISE(ABORT, 'the subledger is append-only'); END");
    expect(await sync()).toMatchObject({ complete: true, error: null });
    expect(count(replica, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'subledger'")).toBe(0);
  });

  it('queues a decision offline; the hub applies it once and answers through the pull', async () => {
    const s = setup();
    const { replica, as, sync, credentials, device } = await joinStore(s);
    s.setDown(true);
    const answer = { order: 'W-2001', line: '1', location: 'ST-LYON' };
    const queued = ok(callApi(as('lyon'), 'inbox.accept', answer));
    expect(queued).toMatchObject({ queued: true, command: { op: 'inbox.accept', status: 'pending' } });
    expect(err(callApi(as('lyon'), 'inbox.accept', answer))).toMatchObject({ code: 'decision_pending' });
    expect(ok(callApi(as('lyon'), 'inbox.list', {})).requests[0]).toMatchObject({ status: 'open', pending_decision: { op: 'inbox.accept' } });
    // The replica's audit trail records the decision.
    expect(replica.prepare("SELECT operation, outcome FROM audit_log WHERE operation = 'inbox.accept'").all()).toEqual([{ operation: 'inbox.accept', outcome: 'ok' }]);

    s.set('2026-03-12T01:00:00Z');
    const offline = await sync();
    expect(offline).toMatchObject({ offline: true, pushed: 0 });
    const status = ok(callApi(as('lyon'), 'replica.status', {}));
    expect(status).toMatchObject({ installation: 'replica', online: false, offline_since: '2026-03-12T01:00:00.000Z', pending: [{ op: 'inbox.accept', status: 'pending' }] });
    expect(status.data_as_of).toBe('2026-03-12T00:00:00.000Z');

    s.setDown(false);
    const back = await sync();
    expect(back).toMatchObject({ offline: false, pushed: 1, complete: true });
    expect(count(s.hub, "SELECT count(*) FROM events WHERE type = 'fulfilment_accepted' AND order_id = 'W-2001'")).toBe(1);
    // The hub's state, not a guess: the offer is accepted on the replica because the hub says so.
    expect(replica.prepare("SELECT status FROM routing_offers WHERE order_id = 'W-2001'").pluck().get()).toBe('accepted');
    const after = ok(callApi(as('lyon'), 'replica.status', {}));
    expect(after).toMatchObject({ online: true, offline_since: null, pending: [], refused: [], accepted: 1 });
    // The hub's audit trail names the user and the device.
    expect(s.hub.prepare("SELECT actor_name FROM audit_log WHERE operation = 'inbox.accept'").pluck().all()).toEqual(['lyon (via PC LYON)']);

    // The same command delivered again, and in another push: applied once.
    const connect = s.connect({ url: HUB_URL, token: tokenOf(credentials.load()!) });
    const cmd = { id: queued.command.id, op: 'inbox.accept', input: answer, user: getUserByLogin(s.hub, 'lyon')!.id, at: '2026-03-12T00:00:00Z' };
    expect(await connect.call('replication.push', { commands: [cmd, cmd] })).toEqual({ answers: [{ id: cmd.id, status: 'duplicate' }, { id: cmd.id, status: 'duplicate' }] });
    expect(count(s.hub, "SELECT count(*) FROM events WHERE type = 'fulfilment_accepted' AND order_id = 'W-2001'")).toBe(1);
    expect(count(s.hub, 'SELECT count(*) FROM device_commands WHERE device_id = ?', device.id)).toBe(1);
  });

  it('shows the hub\'s refusal with its reason when the request moved on meanwhile', async () => {
    const s = setup();
    const { replica, as, sync } = await joinStore(s);
    s.setDown(true);
    ok(callApi(as('lyon'), 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'no_stock' }));
    // Meanwhile on the hub the deadline passed: the line went to ST-VILL.
    s.set('2026-03-13T01:00:00Z');
    ok(callApi(createContext(s.hub, { now: s.clock }), 'routing.tick', {}));
    s.setDown(false);
    await sync();
    const status = ok(callApi(as('lyon'), 'replica.status', {}));
    expect(status.refused).toEqual([expect.objectContaining({ op: 'inbox.refuse', status: 'refused', reason: expect.objectContaining({ code: 'not_current_fulfiller' }) })]);
    expect(status.refused[0].reason.message).toBe('line 1 of order W-2001 is offered to ST-VILL, not to ST-LYON');
    expect(replica.prepare("SELECT status, reason FROM routing_offers WHERE order_id = 'W-2001' AND location = 'ST-LYON'").get()).toEqual({ status: 'timed_out', reason: 'timeout' });
  });

  it('keeps each replica\'s audit head, and flags a chain that went back (issue 16, item 11)', async () => {
    const s = setup();
    const { credentials, device, replica, as, sync } = await joinStore(s);
    // A decision pushed by the replica's own sync carries its audit head.
    ok(callApi(as('lyon'), 'inbox.accept', { order: 'W-2001', line: '1', location: 'ST-LYON' }));
    await sync();
    const sent = JSON.parse(getDevice(s.hub, device.id)!.anchor_json!) as { head: string; rows: number };
    const head = replica.prepare('SELECT hash, seq FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { hash: string; seq: number };
    expect(sent).toEqual({ head: head.hash, rows: head.seq });
    // The same chain later, then one with fewer rows: the hub keeps what it had seen and says so.
    const client = s.connect({ url: HUB_URL, token: tokenOf(credentials.load()!) });
    const h = (c: string) => c.repeat(64);
    await client.call('replication.push', { commands: [], anchor: { head: h('a'), rows: sent.rows + 10 } });
    expect(JSON.parse(getDevice(s.hub, device.id)!.anchor_json!)).toEqual({ head: h('a'), rows: sent.rows + 10 });
    await client.call('replication.push', { commands: [], anchor: { head: h('b'), rows: sent.rows + 4 } });
    const flagged = JSON.parse(getDevice(s.hub, device.id)!.anchor_json!);
    expect(flagged).toMatchObject({ head: h('b'), rows: sent.rows + 4, regressed: { rows: sent.rows + 10, head: h('a') } });
    expect(s.hub.prepare("SELECT after_json FROM audit_log WHERE operation = 'replication.push' ORDER BY seq DESC LIMIT 1").pluck().get()).toContain('audit_anchor_regressed');
    // A later, longer chain does not clear the flag.
    await client.call('replication.push', { commands: [], anchor: { head: h('c'), rows: sent.rows + 50 } });
    expect(JSON.parse(getDevice(s.hub, device.id)!.anchor_json!).regressed).toEqual(flagged.regressed);
  });

  it('refuses commands outside the device\'s scope or from a role that may not issue them, storing nothing but the answer', async () => {
    const s = setup();
    const { credentials, device } = await joinStore(s);
    const client = s.connect({ url: HUB_URL, token: tokenOf(credentials.load()!) });
    const id = (n: number) => `cmd_test_${String(n).padStart(8, '0')}`;
    const lyon = getUserByLogin(s.hub, 'lyon')!.id;
    const events = count(s.hub, 'SELECT count(*) FROM events');
    const r = await client.call<{ answers: Json[] }>('replication.push', { commands: [
      // LILLE's request, by LYON's manager through LYON's device.
      { id: id(1), op: 'inbox.accept', input: { order: 'W-2003', line: '1', location: 'ST-LILLE' }, user: lyon, at: '2026-03-12T00:00:00Z' },
      // LILLE's manager, through LYON's device: outside the device's scope.
      { id: id(2), op: 'inbox.accept', input: { order: 'W-2003', line: '1', location: 'ST-LILLE' }, user: getUserByLogin(s.hub, 'lille')!.id, at: '2026-03-12T00:00:00Z' },
      // A controller may not answer a request.
      { id: id(3), op: 'inbox.accept', input: { order: 'W-2001', line: '1', location: 'ST-LYON' }, user: getUserByLogin(s.hub, 'aura')!.id, at: '2026-03-12T00:00:00Z' },
      // Not a decision a replica takes.
      { id: id(4), op: 'release.run', input: {}, user: lyon, at: '2026-03-12T00:00:00Z' },
      { id: id(5), op: 'inbox.accept', input: { order: 'W-2001', line: '1', location: 'ST-LYON' }, user: 'u_nobody', at: '2026-03-12T00:00:00Z' },
    ] });
    expect(r.answers.map((a) => [a.status, a.code])).toEqual([
      ['refused', 'forbidden'], ['refused', 'forbidden'], ['refused', 'forbidden'], ['refused', 'not_a_command'], ['refused', 'unknown_user'],
    ]);
    expect(count(s.hub, 'SELECT count(*) FROM events')).toBe(events);
    expect(count(s.hub, "SELECT count(*) FROM device_commands WHERE status = 'refused' AND device_id = ?", device.id)).toBe(5);
    // A malformed push is refused whole.
    await expect(client.call('replication.push', { commands: [{ id: 'bad', op: 'inbox.accept', input: {}, user: lyon, at: 'x' }] })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(client.call('replication.push', { commands: [{ id: id(6), op: 'inbox.accept', input: {}, user: lyon, at: 'x', amount: 100 }] })).rejects.toMatchObject({ code: 'invalid_input' });
    expect(count(s.hub, 'SELECT count(*) FROM device_commands')).toBe(5);
    // The device's credential reaches nothing else.
    await expect(client.call('orders.list', {})).rejects.toMatchObject({ code: 'forbidden' });
    await expect(client.call('devices.list', {})).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('when revoked: refused at its next sync, read-only, and says so', async () => {
    const s = setup();
    const { replica, as, sync, device } = await joinStore(s);
    ok(callApi(s.system, 'devices.revoke', { device: device.id, reason: 'stolen laptop' }));
    const r = await sync();
    expect(r).toMatchObject({ revoked: true, error: { code: 'device_revoked' } });
    expect(r.error!.message).toContain('stolen laptop');
    expect(ok(callApi(as('lyon'), 'replica.status', {}))).toMatchObject({ status: 'revoked' });
    expect(err(callApi(as('lyon'), 'inbox.accept', { order: 'W-2001', line: '1', location: 'ST-LYON' }))).toMatchObject({ code: 'device_revoked' });
    expect(ok(callApi(as('lyon'), 'orders.get', { id: 'W-2001' }))).toBeTruthy();
    expect(ok(callApi(createContext(replica, { now: s.clock }), 'auth.login', { login: 'lyon', password: PASSWORD }))).toMatchObject({ user: { login: 'lyon' } });
    expect(await sync()).toMatchObject({ revoked: true });
  });

  it('applies nothing of a malformed or stale page', async () => {
    const s = setup();
    const { replica, credentials } = await joinStore(s);
    const client = s.connect({ url: HUB_URL, token: tokenOf(credentials.load()!) });
    const state = readReplicaState(replica)!;
    const orders = count(replica, 'SELECT count(*) FROM orders');
    const page = await client.call<Json>('replication.pull', { cursor: '', schema: readReplicaState(replica) ? (replica.prepare('SELECT max(name) || \'/\' || count(*) FROM schema_migrations').pluck().get() as string) : '' });
    expect(page.docs.length).toBeGreaterThan(5);
    // A page from the start again: stale.
    expect(() => applyPage(replica, page)).toThrow(expect.objectContaining({ code: 'stale_page' }));
    // Forged: an order document carrying another order's rows.
    const forged = { ...page, from: state.cursor, docs: page.docs.map((d: unknown[]) => (d[1] === 'order' ? [d[0], d[1], 'W-9999', d[3], d[4]] : d)) };
    expect(() => applyPage(replica, forged)).toThrow(expect.objectContaining({ code: 'malformed_page' }));
    expect(() => applyPage(replica, { ...page, from: state.cursor, format: 'other' })).toThrow(expect.objectContaining({ code: 'malformed_page' }));
    expect(count(replica, 'SELECT count(*) FROM orders')).toBe(orders);
    expect(readReplicaState(replica)!.cursor).toBe(state.cursor);
  });
});
