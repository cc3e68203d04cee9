// The books on generated scenarios (test/property/arbitraries.ts: several entities, rules in
// several groups, orders in EUR, JPY and BHD converted to EUR books, refusals, reroutes,
// cancellations, returns in steps): posting in `detail` and in `daily` gives the same trial
// balance for every entity and period; the 467 current accounts between entities net to zero per
// currency over the network; and the periodic invoices add up to the legs they cover.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../core/store/db.js';
import { numberingGaps, unbalanced } from '../helpers/books.js';
import { call, clocked, freshDb, importInto, ok, type Json } from '../helpers/lifecycle.js';
import { DAY, iso, scenarioArb, type Generated } from './arbitraries.js';

const RUNS = Number(process.env.VENTIL_BOOKS_RUNS ?? (Number(process.env.VENTIL_PROPERTY_RUNS ?? 150) > 50 ? 12 : 4));
const FULFILLED = "('shipped', 'delivered', 'collected', 'fulfilled', 'returned')";

/**
 * The scenario imported with every entity posting in `granularity` (`mixed`: every other entity
 * by day, so an invoice's books are split between both), once every day and month is over.
 */
function books(g: Generated, granularity: 'detail' | 'daily' | 'mixed') {
  const s = JSON.parse(JSON.stringify(g.scenario)) as Json;
  for (const [i, e] of (s.network.entities as Json[]).entries()) e.posting = granularity === 'mixed' ? (i % 2 ? 'daily' : 'detail') : granularity;
  s.network.fx_rates = [{ date: '2025-12-01', from: 'JPY', to: 'EUR', rate: '0.0061' }, { date: '2025-12-01', from: 'BHD', to: 'EUR', rate: '2.4137' }];
  const db = freshDb();
  const clock = clocked(db, iso(g.lastMs + 40 * DAY));
  importInto(clock.ctx, s);
  return { db, ctx: clock.ctx, entities: (s.network.entities as Json[]).map((e) => e.id as string) };
}

/** Every trial balance of an entity: each month its books touch, and each fiscal year. */
function trialBalances(ctx: ReturnType<typeof books>['ctx'], entity: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const periods = ok(call(ctx, 'journal.periods.list', { entity }));
  for (const y of periods.years as Json[]) {
    for (const p of [y, ...(y.months as Json[])]) {
      const tb = ok(call(ctx, 'journal.trialBalance', { entity, period: p.name }));
      if (tb.rows.length > 0) out[p.name] = tb.rows.map((r: Json) => `${r.account} ${r.opening} ${r.debit} ${r.credit} ${r.closing}`);
    }
  }
  return out;
}

/** Per currency, what the 467 lines between entities hold over the whole network (in the events' currencies). */
function currentAccountsNet(db: Db): Record<string, number> {
  const rows = db.prepare(`SELECT l.orig_currency AS currency, SUM(l.amount_orig) AS net FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
    WHERE l.role IN ('platform_current', 'network_current') AND e.journal != 'AN' GROUP BY l.orig_currency`).all() as { currency: string; net: number }[];
  return Object.fromEntries(rows.map((r) => [r.currency, r.net]));
}

describe('books on generated scenarios', () => {
  it('give the same trial balance in detail and daily for every entity and period; the 467 accounts net to zero; invoices add up to their legs', () => {
    fc.assert(fc.property(scenarioArb, (g) => {
      const detail = books(g, 'detail');
      const daily = books(g, 'daily');
      const mixed = books(g, 'mixed');
      for (const b of [detail, daily, mixed]) {
        expect(unbalanced(b.db)).toEqual([]);
        expect(numberingGaps(b.db)).toEqual([]);
        expect(b.db.prepare('SELECT count(*) FROM daily_batches WHERE entry_id IS NULL').pluck().get()).toBe(0);
      }
      expect(detail.db.prepare('SELECT count(*) FROM subledger').pluck().get()).toBe(0);
      for (const entity of detail.entities) {
        const tb = trialBalances(detail.ctx, entity);
        expect(trialBalances(daily.ctx, entity), entity).toEqual(tb);
        expect(trialBalances(mixed.ctx, entity), `${entity} (mixed)`).toEqual(tb);
      }
      // Daily books take the periodic invoices' movements too (decision 0020): no entry of their own,
      // each invoice's detail in the subledger under its number.
      expect(daily.db.prepare('SELECT count(*) FROM journal_entries WHERE invoice_id IS NOT NULL').pluck().get()).toBe(0);
      expect(daily.db.prepare("SELECT count(*) FROM invoices i WHERE NOT EXISTS (SELECT 1 FROM subledger s WHERE s.order_id = 'inv:' || i.number)").pluck().get()).toBe(0);
      expect(detail.db.prepare('SELECT count(*) FROM journal_entries WHERE invoice_id IS NOT NULL').pluck().get())
        .toBe(detail.db.prepare("SELECT count(*) FROM journal_entries WHERE source_key LIKE 'inv:%'").pluck().get());
      // Detailed books post an entry per order and event and three per invoice; daily ones, one per
      // day and account set, the invoices' movements included (so both counts include the invoices:
      // an order of nothing but a minimum commission has no order entry, only its invoice's).
      const entries = (db: Db) => db.prepare("SELECT count(*) FROM journal_entries WHERE source_key NOT LIKE 'tr:%'").pluck().get() as number;
      expect(entries(daily.db)).toBeLessThanOrEqual(entries(detail.db));

      for (const b of [detail, daily, mixed]) {
        for (const net of Object.values(currentAccountsNet(b.db))) expect(net).toBe(0);
        // Each pair's invoices (less its credit notes) carry what its legs of fulfilled lines hold.
        const invoiced = new Map((b.db.prepare(`SELECT supplier || '>' || customer || ' ' || currency AS k, SUM(CASE kind WHEN 'invoice' THEN net ELSE -net END) AS net,
            SUM(CASE kind WHEN 'invoice' THEN vat ELSE -vat END) AS vat FROM invoices GROUP BY k`).all() as { k: string; net: number; vat: number }[]).map((r) => [r.k, [r.net, r.vat]]));
        const legs = new Map((b.db.prepare(`SELECT g.to_entity || '>' || g.from_entity || ' ' || s.currency AS k, SUM(g.amount - g.reversed_amount) AS net, SUM(g.vat - g.reversed_vat) AS vat
            FROM settlement_legs g JOIN settlements s ON s.order_id = g.order_id AND s.revision = g.revision
            JOIN settlement_lines l ON l.order_id = g.order_id AND l.revision = g.revision AND l.line_id = g.line_id
            WHERE g.void IS NULL AND g.to_entity IS NOT NULL AND g.from_entity IS NOT NULL AND l.status IN ${FULFILLED} GROUP BY k`).all() as { k: string; net: number; vat: number }[])
          .filter((r) => r.net !== 0 || r.vat !== 0).map((r) => [r.k, [r.net, r.vat]]));
        expect(Object.fromEntries([...invoiced].filter(([, [n, v]]) => n !== 0 || v !== 0))).toEqual(Object.fromEntries(legs));
        // And each invoice is the sum of the legs of its annex.
        for (const inv of b.db.prepare('SELECT number, net, vat FROM invoices').all() as Json[]) {
          const annex = ok(call(b.ctx, 'invoices.annex', { number: inv.number })).rows as Json[];
          expect([annex.reduce((s, r) => s + r.net, 0), annex.reduce((s, r) => s + r.vat, 0)], inv.number).toEqual([inv.net, inv.vat]);
        }
      }
      detail.db.close();
      daily.db.close();
      mixed.db.close();
    }), { numRuns: RUNS });
  }, 600_000);
});
