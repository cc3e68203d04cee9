// Look-alike identifiers and payments counted twice (issue 16, items 5-7): a payment belongs to
// one order in the whole network; every identifier is NFC and free of control, format,
// bidirectional and invisible characters and of lone surrogates; the scenario names its format.
import { columnsOf } from '../../core/store/dialect.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { startServer } from '../../core/server/http.js';
import { ventil } from '../helpers/cli.js';
import { memoryDb, readExample, tempDir, testContext } from '../helpers/db.js';

const tmp = tempDir('ventil-ids-');
afterAll(() => tmp.cleanup());

/** Every row, in primary-key order (all columns when there is none): the same on both backends. */
const dump = (db: ReturnType<typeof memoryDb>) =>
  ['orders', 'order_lines', 'payments', 'events', 'entities', 'rules', 'imports', 'settlements'].map((t) => {
    const cols = columnsOf(db, t);
    const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    return db.prepare(`SELECT * FROM ${t} ORDER BY ${(key.length > 0 ? key : cols).map((c) => c.name).join(', ')}`).raw().all();
  });

function imported() {
  const ctx = testContext();
  const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return ctx;
}

/** An order of the example under another id, with its payments (ids kept unless given). */
function copyOfW1001(id: string, paymentId?: string) {
  const o = structuredClone(readExample('network-basic.json').orders[0]);
  o.id = id;
  if (paymentId) o.payments[0].id = paymentId;
  return o;
}

describe('item 5: a PSP payment is counted once in the whole network', () => {
  it('refuses a second order carrying a payment already stored, naming it and its order', () => {
    const ctx = imported();
    const before = dump(ctx.db);
    const scenario = { ...readExample('network-basic.json'), orders: [copyOfW1001('W-9001')], events: [] };
    const r = callApi(ctx, 'scenario.import', { scenario });
    expect(r).toMatchObject({ ok: false, error: { code: 'import_conflict', issues: [{ path: 'orders[0].payments[0].id', code: 'duplicate_payment', message: expect.stringContaining('W-1001') }] } });
    expect(dump(ctx.db)).toEqual(before);
    // The same order again is still a no-op, and another payment id is welcome.
    expect(callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') })).toMatchObject({ ok: true, value: { changed: false } });
    expect(callApi(ctx, 'scenario.import', { scenario: { ...scenario, orders: [copyOfW1001('W-9001', 'PAY-9001')] } })).toMatchObject({ ok: true, value: { changed: true } });
  });

  it('refuses two orders of one file carrying the same payment', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    scenario.orders.push(copyOfW1001('W-9001'));
    const r = callApi(ctx, 'scenario.import', { scenario });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_scenario' } });
    if (r.ok) return;
    expect(r.error.issues).toContainEqual({ path: 'orders[5].payments[0].id', code: 'duplicate_payment', message: expect.stringContaining('orders[0].payments[0].id') });
    expect(ctx.db.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(0);
  });
});

describe('item 5: identifiers that look alike', () => {
  // Zero-width space, right-to-left override, NUL, byte order mark, soft hyphen, Hangul filler,
  // line separator, a lone surrogate.
  const hidden = ['\u200b', '\u202e', '\u0000', '\ufeff', '\u00ad', '\u3164', '\u2028', '\ud800'];

  it('refuses an order id with an invisible character, naming its path, and stores nothing', () => {
    const ctx = imported();
    const before = dump(ctx.db);
    for (const c of hidden) {
      const scenario = { ...readExample('network-basic.json'), orders: [copyOfW1001(`W-1001${c}`, `PAY-X${c.charCodeAt(0)}`)], events: [] };
      const r = callApi(ctx, 'scenario.import', { scenario });
      expect(r, JSON.stringify(c)).toMatchObject({ ok: false, error: { code: 'invalid_scenario', issues: [{ path: 'orders[0].id', code: 'invalid_id' }] } });
    }
    expect(dump(ctx.db)).toEqual(before);
  });

  it('checks every kind of id: lines, payments, entities, locations, rules, events, users', () => {
    const ctx = testContext();
    const s = readExample('network-basic.json');
    s.orders[0].lines[0].id = '1\u200b';
    s.orders[1].payments[0].id = 'PAY\u2066-1002';
    s.network.entities[1].id = 'LYON\u200d';
    s.network.locations[0].id = 'WH\u00adNORD';
    s.rules[0].id = 'R\ufe0f';
    s.events[0].id = 'EV\u202a1';
    s.events[1].order = 'W-1001\u200c';
    const r = callApi(ctx, 'scenario.import', { scenario: s });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const invalid = r.error.issues!.filter((i) => i.code === 'invalid_id').map((i) => i.path);
    expect(invalid).toEqual(expect.arrayContaining([
      'orders[0].lines[0].id', 'orders[1].payments[0].id', 'network.entities[1].id', 'network.locations[0].id', 'rules[0].id', 'events[0].id', 'events[1].order',
    ]));
    // The registry API and user administration use the same schema.
    const admin = testContext();
    expect(callApi(admin, 'network.entities.create', { ...readExample('network-basic.json').network.entities[1], id: 'LY\u200bON' }))
      .toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'id', code: 'invalid_id' }] } });
    expect(callApi(admin, 'users.create', { name: 'X', login: 'ad\u200bmin', role: 'auditor', password: 'a long enough password' }))
      .toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'login', code: 'invalid_id' }] } });
  });

  it('stores ids in NFC, so a composed and a decomposed id are one order', () => {
    const ctx = imported();
    const composed = { ...readExample('network-basic.json'), orders: [copyOfW1001('W-\u00e9t\u00e9', 'PAY-\u00e9')], events: [] };
    const decomposed = { ...composed, orders: [copyOfW1001('W-e\u0301te\u0301', 'PAY-e\u0301')] };
    expect(callApi(ctx, 'scenario.import', { scenario: decomposed })).toMatchObject({ ok: true, value: { changed: true } });
    expect(callApi(ctx, 'scenario.import', { scenario: composed })).toMatchObject({ ok: true, value: { changed: false } });
    expect(ctx.db.prepare("SELECT id FROM orders WHERE id LIKE 'W-%t%'").pluck().all()).toEqual(['W-\u00e9t\u00e9']);
  });
});

describe('item 6: malformed text is a client error', () => {
  it('answers exit 2 with the path for a lone surrogate in an id (ventil import)', () => {
    const s = readExample('network-basic.json');
    s.orders[0].id = 'W-1001\ud800';
    s.events = s.events.filter((e: { order: string }) => e.order !== 'W-1001');
    const file = join(tmp.dir, 'surrogate.json');
    // JSON.stringify writes the lone surrogate as the escape \ud800, as a producer would.
    writeFileSync(file, JSON.stringify(s));
    const r = ventil(['import', file, '--db', join(tmp.dir, 'surrogate.db'), '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'invalid_scenario', issues: [{ path: 'orders[0].id', code: 'invalid_id', message: expect.stringMatching(/lone surrogate/) }] } });
  });

  it('answers 400 to malformed percent-encoding in an HTTP path, before authentication', async () => {
    const staticDir = mkdtempSync(join(tmpdir(), 'ventil-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Ventil</title>');
    const server = await startServer({ db: memoryDb(), staticDir, token: 'run-token-identifiers-test-000000000', port: 0 });
    try {
      const raw = (method: string, path: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
        const u = new URL(server.url);
        const req = request({ host: u.hostname, port: u.port, path, method, headers: { 'Content-Type': 'application/json' } }, (res) => {
          let body = '';
          res.on('data', (c) => { body += c; });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
      for (const [method, path] of [['GET', '/%E0%A4%A'], ['GET', '/assets/%ED%A0%80.js'], ['POST', '/api/auth.status%'], ['POST', '/api/%FF']]) {
        const r = await raw(method!, path!);
        expect(r.status, `${method} ${path}`).toBe(400);
        expect(JSON.parse(r.body), `${method} ${path}`).toMatchObject({ ok: false, error: { code: 'bad_request' } });
      }
      // A well-formed path still needs its token.
      expect((await raw('POST', '/api/auth.status')).status).toBe(401);
    } finally {
      await server.close();
      rmSync(staticDir, { recursive: true, force: true });
    }
  });
});

describe('item 7: the scenario names its format', () => {
  it('refuses a scenario or an events file without format, naming the value expected', () => {
    const ctx = testContext();
    const { format: _, ...noFormat } = readExample('network-basic.json');
    const r = callApi(ctx, 'scenario.import', { scenario: noFormat });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_scenario', issues: [{ path: 'format', code: 'missing_field', message: expect.stringContaining('"ventil.scenario/1"') }] } });
    const wrong = callApi(ctx, 'scenario.import', { scenario: { ...noFormat, format: 'ventil.scenario/2' } });
    expect(wrong).toMatchObject({ ok: false, error: { issues: [{ path: 'format', code: 'invalid_format', message: expect.stringContaining('"ventil.scenario/1"') }] } });
    expect(ctx.db.prepare('SELECT count(*) FROM entities').pluck().get()).toBe(0);
    const file = join(tmp.dir, 'events-no-format.json');
    writeFileSync(file, JSON.stringify({ events: [] }));
    const cli = ventil(['events', file, '--db', join(tmp.dir, 'events.db')]);
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/format: .*"ventil\.scenario\/1"/);
  });
});

