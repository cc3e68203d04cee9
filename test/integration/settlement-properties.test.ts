// Properties of the stored settlement on generated networks: the same inputs give the same
// rows however they arrive (one file, or shuffled orders in several files),
// every order conserves money, its shares are keyed as the former table was, and re-running
// adds no revision.
import { columnsOf } from '../../core/store/dialect.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { createContext } from '../../core/api/context.js';
import { generateScenario } from '../../core/demo/generate.js';
import { memoryDb } from '../helpers/db.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const TABLES = ['settlements', 'settlement_lines', 'settlement_legs', 'entity_shares', 'order_parties'];

/** The current revision's rows of every settlement table, without bookkeeping columns. */
function dump(db: ReturnType<typeof memoryDb>) {
  const skip = new Set(['computed_at', 'reason', 'revision']);
  const cols = (t: string) => columnsOf(db, t).map((c) => c.name).filter((c) => !skip.has(c));
  const current = (t: string) => t === 'settlements' || t === 'order_parties' ? '' : `JOIN settlements c ON c.order_id = t.order_id AND c.revision = t.revision`;
  return Object.fromEntries(TABLES.map((t) => {
    const list = cols(t).map((c) => `t.${c}`).join(', ');
    return [t, db.prepare(`SELECT ${list} FROM ${t} t ${current(t)} ORDER BY ${list}`).raw().all()];
  }));
}

function importAll(parts: unknown[]) {
  const ctx = createContext(memoryDb(), { now: () => NOW });
  for (const scenario of parts) {
    const r = callApi(ctx, 'scenario.import', { scenario });
    if (!r.ok) throw new Error(JSON.stringify(r.error).slice(0, 2000));
  }
  return ctx;
}

describe('stored settlement properties', () => {
  it('does not depend on how orders and events arrive', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 2, max: 4 }), fc.integer(), (seed, chunks, shuffleSeed) => {
      const s = generateScenario({ seed, franchisees: 6, orders: 30, from: '2026-09-01', to: '2026-10-15', eventsUntil: '2026-11-20T00:00:00Z' });
      const whole = importAll([s]);
      // The orders in a shuffled order, in several files, each with its orders' events.
      const orders = [...s.orders];
      let r = shuffleSeed >>> 0;
      for (let i = orders.length - 1; i > 0; i--) { r = (r * 1103515245 + 12345) >>> 0; const j = r % (i + 1); [orders[i], orders[j]] = [orders[j]!, orders[i]!]; }
      const size = Math.ceil(orders.length / chunks);
      const parts = [];
      for (let c = 0; c < chunks; c++) {
        const mine = orders.slice(c * size, (c + 1) * size);
        const ids = new Set(mine.map((o) => o.id));
        parts.push({ ...s, orders: mine, events: s.events.filter((e) => ids.has(e.order)) });
      }
      const pieces = importAll(parts);
      expect(dump(pieces.db)).toEqual(dump(whole.db));
      // Conservation on every stored order: payouts + fees + refunds = captured.
      const bad = whole.db.prepare(`SELECT * FROM (SELECT s.order_id, s.captured, s.psp_fees, s.refunded,
        (SELECT sum(amount) FROM entity_shares e WHERE e.order_id = s.order_id AND e.revision = s.revision) AS payouts FROM settlements s) x
        WHERE x.payouts + x.psp_fees + x.refunded != x.captured`).all();
      expect(bad).toEqual([]);
      // What the former table's key and check guarded, now the engine's (decision 0021): one share
      // per revision, line, entity and kind, of a known kind, in the key's order.
      expect(whole.db.prepare(`SELECT order_id, revision, line_id, entity, kind FROM entity_shares
        GROUP BY order_id, revision, line_id, entity, kind HAVING count(*) > 1 OR kind NOT IN ('line', 'fee')`).all()).toEqual([]);
      for (const json of whole.db.prepare('SELECT shares_json FROM settlement_revisions').pluck().all() as string[]) {
        const keys = (JSON.parse(json) as string[][]).map((x) => `${x[0]}\u0000${x[1]}\u0000${x[2]}`);
        expect(keys).toEqual([...keys].sort());
      }
      // Running again changes nothing.
      expect(callApi(whole, 'settlement.run', {})).toMatchObject({ ok: true, value: { revised: 0 } });
    }), { numRuns: 8 });
  });
});
