import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { createContext } from '../../core/api/context.js';
import { recomputeStoredOrder } from '../../core/api/settlement-runner.js';
import { escrowAt } from '../../core/domain/shares.js';
import { currentShareRows } from '../../core/store/release-repo.js';
import { memoryDb, readExample } from '../helpers/db.js';

const AS_OF = new Date('2026-03-20T00:00:00Z');

function imported(now = AS_OF, example = 'network-basic.json') {
  const db = memoryDb();
  const ctx = createContext(db, { now: () => now });
  const r = callApi(ctx, 'scenario.import', { scenario: readExample(example) });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return ctx;
}

function ok<T>(r: { ok: boolean; value?: unknown; error?: unknown }): T {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as T;
}

describe('stored settlements', () => {
  for (const [example, asOf] of [['network-basic', '2026-03-20T00:00:00Z'], ['network-varied', '2026-04-01T00:00:00Z']] as const) {
    it(`match the expected report of ${example} (payouts and escrow from the stored shares)`, () => {
      const expected = readExample(`${example}.settlement.json`);
      const ctx = imported(new Date(asOf), `${example}.json`);
      const shares = currentShareRows(ctx.db);
      for (const order of expected.orders) {
        const own = shares.filter((s) => s.order === order.id);
        const payouts: Record<string, number> = {};
        for (const s of own) payouts[s.entity] = (payouts[s.entity] ?? 0) + s.amount;
        const nonZero = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0).sort());
        expect({ order: order.id, payouts: nonZero(payouts) }).toEqual({ order: order.id, payouts: nonZero(order.payouts) });
        const escrow = Object.fromEntries([...escrowAt(own, Date.parse(asOf))].filter(([, v]) => v.held !== 0 || v.released !== 0).sort());
        const want = Object.fromEntries(Object.entries(order.escrow as Record<string, { held: number; released: number }>).filter(([, v]) => v.held !== 0 || v.released !== 0).sort());
        expect({ order: order.id, escrow }).toEqual({ order: order.id, escrow: want });
      }
    });
  }

  it('reads back every leg the engine computed, void ones included, through the settlement_legs view', () => {
    const ctx = imported(new Date('2026-04-01T00:00:00Z'), 'network-varied.json');
    const ids = ctx.db.prepare('SELECT order_id FROM settlements ORDER BY order_id').pluck().all() as string[];
    let voids = 0;
    for (const id of ids) {
      const os = recomputeStoredOrder(ctx.db, id, new Date('2026-04-01T00:00:00Z'))!;
      const want = os.lines.flatMap((l) => l.legs.map((g, seq) => [l.id, seq, g.group, g.rule, g.to_role, g.to, g.from_role, g.from, g.base, g.rate, g.amount, g.vat, g.void, g.reversed_amount, g.reversed_vat]));
      voids += want.filter((g) => g[12] !== null).length;
      const stored = ctx.db.prepare(`SELECT g.line_id, g.seq, g.rule_group, g.rule_ref, g.to_role, g.to_entity, g.from_role, g.from_entity, g.base, g.rate, g.amount, g.vat, g.void,
          g.reversed_amount, g.reversed_vat FROM settlement_legs g JOIN settlements s ON s.order_id = g.order_id AND s.revision = g.revision
        JOIN settlement_lines l ON l.order_id = g.order_id AND l.revision = g.revision AND l.line_id = g.line_id
        WHERE g.order_id = ? ORDER BY l.seq, g.seq`).raw().all(id);
      expect({ id, legs: stored }).toEqual({ id, legs: want });
    }
    expect(voids).toBeGreaterThan(0);
  });

  it('adds no revision when nothing changed, and keeps allocations when a rule gets a new version', () => {
    const ctx = imported();
    const legsBefore = ctx.db.prepare('SELECT order_id, line_id, rule_ref, amount, vat FROM settlement_legs ORDER BY 1, 2, 3').all();
    expect(ok(callApi(ctx, 'settlement.run', {}))).toMatchObject({ settled: 5, revised: 0, unchanged: 5 });
    const later = createContext(ctx.db, { now: () => new Date('2026-04-01T00:00:00Z') });
    ok(callApi(later, 'rules.newVersion', {
      id: 'WEB-HOME', group: 'commission', priority: 20, when: { channel: ['web', 'app', 'phone'], delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] },
      legs: [{ to: 'seller', rate: '0.09', base: 'net' }],
    }));
    expect(ok(callApi(later, 'settlement.run', {}))).toMatchObject({ revised: 0 });
    expect(ctx.db.prepare('SELECT order_id, line_id, rule_ref, amount, vat FROM settlement_legs ORDER BY 1, 2, 3').all()).toEqual(legsBefore);
    const versions = ok<{ rules: { id: string; version: number; valid_to: string | null }[] }>(callApi(later, 'rules.list', { id: 'WEB-HOME' })).rules;
    expect(versions.map((v) => [v.version, v.valid_to])).toEqual([[1, '2026-04-01T00:00:00Z'], [2, null]]);
  });

  it('explains an amount with contributions that add up to the stored share', () => {
    const ctx = imported();
    const e = ok<{ total: number; contributions: { rule: string | null; formula: string }[] }>(callApi(ctx, 'settlement.explain', { order: 'W-1002', line: '1', entity: 'LYON' }));
    expect(e.total).toBe(224);
    expect(e.contributions.some((c) => c.rule === 'WEB-HOME@1' && c.formula.includes('7500'))).toBe(true);
  });

  it('shows a store only its own amounts on an order it is party to, and refuses the others', () => {
    const ctx = imported();
    const lyon = createContext(ctx.db, { now: () => AS_OF, principal: { userId: 'u-lyon', name: 'Lyon', role: 'store_manager', regions: [], entities: ['LYON'] } });
    const order = ok<{ payouts: Record<string, number>; captured: number | null; lines: { legs: { to: string }[] }[] }>(callApi(lyon, 'orders.get', { id: 'W-1002' }));
    expect(order.payouts).toEqual({ LYON: 224 });
    // The customer's payment, as the store's list shows it.
    const listed = ok<{ rows: { id: string; captured: number }[] }>(callApi(lyon, 'orders.list', { entity: 'LYON' })).rows.find((r) => r.id === 'W-1002')!;
    expect(order.captured).toBe(listed.captured);
    expect(order.captured).toBeGreaterThan(0);
    expect(order.lines[0]!.legs.map((l) => l.to)).toEqual(['LYON']);
    expect(callApi(lyon, 'orders.get', { id: 'EA-2001' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(callApi(lyon, 'settlement.explain', { order: 'W-1002', line: '1', entity: 'VILL' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const list = ok<{ total: number; rows: { id: string }[] }>(callApi(lyon, 'orders.list', { entity: 'LYON' }));
    expect(list.rows.map((r) => r.id).sort()).toEqual(['S-3001', 'W-1001', 'W-1002']);
  });
});
