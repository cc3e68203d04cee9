import { describe, expect, it } from 'vitest';
import { orderedEvents, runLifecycle } from '../../../core/domain/lifecycle.js';
import type { LifecycleEvent } from '../../../core/domain/scenario.js';
import { settleScenario } from '../../../core/domain/settle.js';
import type { Warning } from '../../../core/domain/settlement-types.js';
import { line, mini, order } from './fixtures.js';

const AS_OF = '2026-04-30T00:00:00Z';
type Ev = Parameters<typeof mini>[0]['events'] extends (infer T)[] | undefined ? T : never;
const at = (h: number) => `2026-03-02T${String(h).padStart(2, '0')}:00:00Z`;
const refuse = (location: string, h: number, lineId = '1'): Ev => ({ type: 'fulfilment_refused', order: 'O1', line: lineId, location, reason: 'no_stock', at: at(h) });
const ev = (type: 'line_shipped' | 'line_delivered' | 'line_collected' | 'line_cancelled', h: number, lineId = '1'): Ev => ({ type, order: 'O1', line: lineId, at: at(h) });

function run(events: Ev[], lines = [line({ candidates: ['SA1', 'SA2', 'SB'] })], asOf = AS_OF) {
  const s = mini({ orders: [order({ lines })], events });
  const warnings: Warning[] = [];
  const states = runLifecycle(s.orders[0], s.events, Date.parse(s.orders[0].created_at), Date.parse(asOf), warnings);
  return { states, warnings };
}

describe('event order and identity', () => {
  it('applies events in time order, same instant in input order', () => {
    const s = mini({
      orders: [order()],
      events: [ev('line_delivered', 12), ev('line_shipped', 10), { type: 'fulfilment_accepted', order: 'O1', line: '1', location: 'WH', at: at(10) }],
    });
    const seq = orderedEvents(s.orders[0], s.events, Date.parse(AS_OF)).map((x) => x.e.type);
    expect(seq).toEqual(['line_shipped', 'fulfilment_accepted', 'line_delivered']);
  });
  it('applies the same event once: by content without id, by id with one', () => {
    const r1 = run([{ type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: at(9) }, { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-02T09:00:00.000Z' }], [line({ quantity: 3 })]);
    expect(r1.states[0].returned).toBe(1);
    const r2 = run([
      { id: 'r1', type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: at(9) },
      { id: 'r1', type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: at(9) },
      { id: 'r2', type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: at(9) },
    ], [line({ quantity: 3 })]);
    expect(r2.states[0].returned).toBe(2);
  });
  it('ignores events after as_of', () => {
    const r = run([ev('line_shipped', 10), ev('line_delivered', 12)], undefined, at(11));
    expect(r.states[0].status).toBe('shipped');
  });
});

describe('routing', () => {
  it('reroutes a refused line to the next candidate not refused', () => {
    const r = run([refuse('SA1', 10)]);
    expect(r.states[0]).toMatchObject({ fulfiller: 1, status: 'pending', refused: ['SA1'] });
  });
  it('skips candidates that refused earlier, even while not current', () => {
    const r = run([refuse('SA2', 10), refuse('SA1', 11)]);
    expect(r.states[0].fulfiller).toBe(2);
  });
  it('cancels the line when no candidate is left; it keeps its last fulfiller', () => {
    const r = run([refuse('SA1', 10), refuse('SA2', 11), refuse('SB', 12)]);
    expect(r.states[0]).toMatchObject({ status: 'cancelled', cancelled: true, fulfiller: 2, cancelledAt: at(12) });
    const os = settleScenario(mini({ orders: [order({ lines: [line({ candidates: ['SA1', 'SA2', 'SB'] })] })], events: [refuse('SA1', 10), refuse('SA2', 11), refuse('SB', 12)] }), AS_OF).orders[0];
    expect(os.lines[0]).toMatchObject({ status: 'cancelled', fulfiller: 'SB', refunded: 12000 });
    expect(os.refunded).toBe(12000);
  });
  it('moves through accepted, shipped, delivered or collected', () => {
    expect(run([{ type: 'fulfilment_accepted', order: 'O1', line: '1', location: 'SA1', at: at(9) }]).states[0].status).toBe('accepted');
    expect(run([ev('line_shipped', 9)]).states[0].status).toBe('shipped');
    const d = run([ev('line_shipped', 9), ev('line_delivered', 10)]).states[0];
    expect(d.status).toBe('delivered');
    expect(d.releaseFromMs).toBe(Date.parse(at(10)));
    expect(run([ev('line_collected', 10), ev('line_shipped', 11)]).states[0].status).toBe('collected');
  });
  it('an in-store sale is fulfilled at created_at', () => {
    const r = run([], [line({ delivery_mode: 'in_store', candidates: ['SA1'] })]);
    expect(r.states[0]).toMatchObject({ status: 'fulfilled', releaseFromMs: Date.parse('2026-03-02T09:00:00Z') });
  });
  it('reports, and ignores, events that make no sense in the line state', () => {
    const r = run([ev('line_shipped', 9), ev('line_cancelled', 10), refuse('SA1', 11)]);
    expect(r.states[0].status).toBe('shipped');
    expect(r.warnings.map((w) => w.code)).toEqual(['event_ignored', 'event_ignored']);
    const c = run([ev('line_cancelled', 9), ev('line_shipped', 10)]);
    expect(c.states[0].status).toBe('cancelled');
    expect(c.warnings).toHaveLength(1);
  });
  it('an acceptance by another candidate makes it the fulfiller, with a warning', () => {
    const r = run([{ type: 'fulfilment_accepted', order: 'O1', line: '1', location: 'SB', at: at(9) }]);
    expect(r.states[0]).toMatchObject({ fulfiller: 2, status: 'accepted' });
    expect(r.warnings[0].code).toBe('fulfiller_changed');
  });
});

describe('returns', () => {
  const ret = (quantity: number, h: number): Ev => ({ type: 'line_returned', order: 'O1', line: '1', quantity, at: at(h) });
  it('counts returned units; all of them make the line returned', () => {
    const l = [line({ quantity: 3 })];
    expect(run([ev('line_delivered', 9), ret(1, 10)], l).states[0]).toMatchObject({ returned: 1, status: 'delivered' });
    expect(run([ev('line_delivered', 9), ret(1, 10), ret(2, 11)], l).states[0]).toMatchObject({ returned: 3, status: 'returned' });
  });
  it('caps a return at the units not yet returned, with a warning (validation refuses such input)', () => {
    const s = mini({ orders: [order({ lines: [line({ quantity: 3 })] })], events: [ev('line_delivered', 9), ret(2, 10)] });
    const events = [...s.events, { type: 'line_returned', order: 'O1', line: '1', quantity: 2, at: at(11) } as LifecycleEvent];
    const warnings: Warning[] = [];
    const [st] = runLifecycle(s.orders[0], events, Date.parse(s.orders[0].created_at), Date.parse(AS_OF), warnings);
    expect(st.returned).toBe(3);
    expect(warnings.map((w) => w.code)).toEqual(['return_capped']);
  });
});

