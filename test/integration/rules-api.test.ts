import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { createContext } from '../../core/api/context.js';
import { memoryDb, readExample } from '../helpers/db.js';

const NOW = new Date('2026-04-01T10:00:00Z');

function seeded() {
  const ctx = createContext(memoryDb(), { now: () => NOW });
  const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return ctx;
}

const value = <T>(r: ReturnType<typeof callApi>): T => { if (!r.ok) throw new Error(JSON.stringify(r.error)); return r.value as T; };

const marketing = { id: 'MKT-SHOES', group: 'marketing', priority: 10, when: { category: ['shoes'] }, legs: [{ to: 'entity:HQ', rate: '0.01', base: 'gross' }] };

describe('rules back office', () => {
  it('publishes a rule from now on, and refuses one that starts in the past', () => {
    const ctx = seeded();
    const created = value<{ rule: { version: number; valid_from: string } }>(callApi(ctx, 'rules.create', marketing));
    expect(created.rule).toMatchObject({ version: 1, valid_from: '2026-04-01T10:00:00Z' });
    expect(callApi(ctx, 'rules.create', marketing)).toMatchObject({ ok: false, error: { code: 'duplicate_id' } });
    expect(callApi(ctx, 'rules.create', { ...marketing, id: 'OLD', valid_from: '2026-03-01' }))
      .toMatchObject({ ok: false, error: { code: 'invalid_rule', issues: [{ path: 'valid_from', code: 'starts_in_past' }] } });
  });

  it('names bad legs: unknown roles and entities, rates outside [0, 1], min above max', () => {
    const ctx = seeded();
    const r = callApi(ctx, 'rules.create', { ...marketing, legs: [{ to: 'cousin', rate: '0.01' }, { to: 'entity:NOPE', rate: '0.01', min: 500, max: 100 }] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.issues!.map((i) => `${i.path}:${i.code}`).sort()).toEqual(['legs[0].to:unknown_role', 'legs[1].min:min_exceeds_max', 'legs[1].to:unknown_reference']);
    const rate = callApi(ctx, 'rules.create', { ...marketing, legs: [{ to: 'platform', rate: '1.2' }] });
    expect(rate).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'legs[0].rate', code: 'invalid_rate' }] } });
  });

  it('closes the current version when a new one is published, and retires a rule without touching the past', () => {
    const ctx = seeded();
    value(callApi(ctx, 'rules.newVersion', { id: 'ROYALTY', group: 'royalty', priority: 100, when: {}, legs: [{ to: 'platform', rate: '0.05' }], valid_from: '2026-05-01' }));
    const list = value<{ rules: { id: string; version: number; valid_from: string; valid_to: string | null; status: string }[] }>(callApi(ctx, 'rules.list', { id: 'ROYALTY' }));
    expect(list.rules.map((r) => [r.version, r.valid_from, r.valid_to])).toEqual([[1, '2026-01-01', '2026-05-01'], [2, '2026-05-01', null]]);
    expect(callApi(ctx, 'rules.retire', { id: 'WEB-CC' })).toMatchObject({ ok: true, value: { retired_at: '2026-04-01T10:00:00Z', versions_closed: 1 } });
    expect(callApi(ctx, 'rules.retire', { id: 'WEB-CC', at: '2026-02-01' })).toMatchObject({ ok: false, error: { code: 'invalid_rule' } });
  });

  it('warns about two rules of a group that can match the same line with equal precedence', () => {
    const ctx = seeded();
    value(callApi(ctx, 'rules.create', { id: 'ROYALTY-APPAREL', group: 'royalty', priority: 100, when: {}, legs: [{ to: 'platform', rate: '0.03' }] }));
    const conflicts = value<{ rules: string[]; winner: string }[]>(callApi(ctx, 'rules.conflicts', {}));
    expect(conflicts).toEqual([expect.objectContaining({ rules: ['ROYALTY@1', 'ROYALTY-APPAREL@1'], winner: 'ROYALTY@1' })]);
  });

  it('simulates a draft on the orders of a period without storing anything', () => {
    const ctx = seeded();
    const before = ctx.db.prepare('SELECT count(*) AS n FROM settlement_revisions').get();
    const sim = value<{ orders: number; changed_orders: number; entities: { entity: string; delta: number }[]; rules: { rule: string; current: number; draft: number }[] }>(
      callApi(ctx, 'rules.simulate', { period: { from: '2026-03-01', to: '2026-04-01' }, drafts: [{ id: 'ROYALTY', group: 'royalty', priority: 100, when: {}, legs: [{ to: 'platform', rate: '0.05' }] }] }));
    expect(sim.orders).toBe(5);
    expect(sim.changed_orders).toBeGreaterThan(0);
    const royalty = sim.rules.find((r) => r.rule === 'ROYALTY')!;
    expect(royalty.draft).toBeGreaterThan(royalty.current);
    // Money only moves between entities: the deltas add up to zero.
    expect(sim.entities.reduce((n, e) => n + e.delta, 0)).toBe(0);
    expect(sim.entities.find((e) => e.entity === 'HQ')!.delta).toBeGreaterThan(0);
    expect(ctx.db.prepare('SELECT count(*) AS n FROM settlement_revisions').get()).toEqual(before);
  });
});
