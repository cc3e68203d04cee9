import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { memoryDb, readExample, testContext } from '../helpers/db.js';

const counts = (db: ReturnType<typeof memoryDb>) =>
  Object.fromEntries(['entities', 'locations', 'catchments', 'rules', 'orders', 'order_lines', 'payments', 'events', 'imports']
    .map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));

describe('scenario.import', () => {
  it('stores the example network, rules, orders and events', () => {
    const ctx = testContext();
    const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
    expect(r.ok).toBe(true);
    expect(counts(ctx.db)).toEqual({ entities: 4, locations: 4, catchments: 3, rules: 5, orders: 5, order_lines: 8, payments: 5, events: 18, imports: 1 });
  });

  it('changes nothing on a second import of the same file', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    callApi(ctx, 'scenario.import', { scenario });
    const before = counts(ctx.db);
    const again = callApi(ctx, 'scenario.import', { scenario });
    expect(again).toMatchObject({ ok: true, value: { changed: false } });
    expect(counts(ctx.db)).toEqual(before);
  });

  it('takes an event whose time is written another way as the same event', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    callApi(ctx, 'scenario.import', { scenario });
    const again = structuredClone(scenario);
    again.events[0].at = again.events[0].at.replace('Z', '.000Z');
    expect(callApi(ctx, 'scenario.import', { scenario: again })).toMatchObject({ ok: true, value: { changed: false, summary: { events: { added: 0, unchanged: 18 } } } });
  });

  it('refuses other content under an existing rule version, and stores nothing of that file', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    callApi(ctx, 'scenario.import', { scenario });
    const before = counts(ctx.db);
    const changed = structuredClone(scenario);
    changed.rules[0].legs[0].rate = '0.06';
    const fresh = structuredClone(scenario.orders[3]);
    changed.orders.push({ ...fresh, id: 'S-NEW', payments: fresh.payments.map((p: { id: string }) => ({ ...p, id: `${p.id}-NEW` })) });
    const r = callApi(ctx, 'scenario.import', { scenario: changed });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('import_conflict');
    expect(r.error.issues).toEqual([expect.objectContaining({ path: 'rules[0]', code: 'rule_version_conflict' })]);
    expect(counts(ctx.db)).toEqual(before);
  });

  it('names every problem of a broken file with its path, and stores nothing', () => {
    const ctx = testContext();
    const broken = readExample('network-basic.json');
    broken.rules[0].legs[0].rate = '1.5';
    broken.orders[1].lines[0].candidates = ['ST-NOWHERE'];
    broken.orders[2].payments[0].amount = 8400;
    const r = callApi(ctx, 'scenario.import', { scenario: broken });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_scenario');
    const paths = r.error.issues!.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining([
      expect.stringMatching(/^rules\[0\]\.legs\[0\]\.rate/),
      expect.stringMatching(/^orders\[1\]\.lines\[0\]\.candidates/),
      expect.stringMatching(/^orders\[2\]\.payments/),
    ]));
    expect(counts(ctx.db)).toMatchObject({ entities: 0, orders: 0, rules: 0, events: 0 });
  });

  it('refuses a scenario whose network settings contradict the stored ones', () => {
    const ctx = testContext();
    const scenario = readExample('network-basic.json');
    callApi(ctx, 'scenario.import', { scenario });
    const other = structuredClone(scenario);
    other.network.return_window_days = 30;
    const r = callApi(ctx, 'scenario.import', { scenario: other });
    expect(r).toMatchObject({ ok: false, error: { code: 'import_conflict', issues: [{ path: 'network.return_window_days', code: 'network_conflict' }] } });
  });
});
