// Invariants of docs/spec.md section 11 on generated scenarios: conservation, determinism, reversals
// bounded by the originals, escrow reaching zero for closed orders, independence from the order
// in which orders are processed, explanations adding up to payouts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainPayout } from '../../core/domain/explain.js';
import { validateScenario, type Scenario } from '../../core/domain/scenario.js';
import { checkConservation, formatSettlementJson, settle, settleScenario } from '../../core/domain/settle.js';
import { DAY, iso, scenarioArb, type Generated } from './arbitraries.js';

const RUNS = Number(process.env.VENTIL_PROPERTY_RUNS ?? 150);

function valid(g: Generated): Scenario {
  const r = validateScenario(JSON.parse(JSON.stringify(g.scenario)));
  if (!r.ok) throw new Error(`generator produced an invalid scenario:\n${JSON.stringify(r.issues, null, 1)}`);
  return r.scenario;
}

/** A moment between creation and the end of the histories, and one after every window closed. */
const asOfArb = (g: Generated) => fc.integer({ min: 0, max: 100 }).map((p) => iso(Date.parse('2026-01-01T00:00:00Z') + Math.floor(((g.lastMs - Date.parse('2026-01-01T00:00:00Z')) * p) / 100)));
const withAsOf = scenarioArb.chain((g) => fc.tuple(fc.constant(g), fc.oneof(asOfArb(g), fc.constant(iso(g.lastMs)))));

describe('settlement invariants', () => {
  it('generated scenarios are valid', () => {
    fc.assert(fc.property(scenarioArb, (g) => void valid(g)), { numRuns: RUNS });
  });

  it('conserves money per order: payouts + fees + refunded = captured, held + released = payout', () => {
    fc.assert(
      fc.property(withAsOf, ([g, asOf]) => {
        const { orders } = settleScenario(valid(g), asOf);
        for (const os of orders) {
          const c = checkConservation(os);
          expect(c.ok).toBe(true);
          expect(c.payouts + os.psp_fees + os.refunded).toBe(os.captured);
          const refunds = os.refunds.reduce((s, r) => s + r.amount, 0);
          expect(refunds).toBe(os.refunded);
          for (const e of Object.keys(os.payouts)) expect(os.escrow[e].held + os.escrow[e].released).toBe(os.payouts[e]);
          for (const w of os.warnings.filter((x) => x.code === 'negative_payout')) expect(os.payouts[w.entity!]).toBeLessThan(0);
          expect(os.warnings.filter((x) => x.code === 'negative_payout')).toHaveLength(Object.values(os.payouts).filter((v) => v < 0).length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic: same input, same bytes, whatever the object identity', () => {
    fc.assert(
      fc.property(withAsOf, ([g, asOf]) => {
        const a = formatSettlementJson(settle(valid(g), asOf));
        const b = formatSettlementJson(settle(valid(JSON.parse(JSON.stringify(g))), asOf));
        expect(b).toBe(a);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('does not depend on the order in which orders are processed', () => {
    fc.assert(
      fc.property(withAsOf, fc.integer(), ([g, asOf], seed) => {
        const s = valid(g);
        const shuffled = [...s.orders];
        let x = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        // Events grouped order by order, in the new order (each order's own sequence kept).
        const events = shuffled.flatMap((o) => s.events.filter((e) => e.order === o.id));
        const a = settle(s, asOf);
        const b = settle({ ...s, orders: shuffled, events: events.reverse().reverse() }, asOf);
        const byId = (r: typeof a) => Object.fromEntries(r.orders.map((o) => [o.id, o]));
        expect(byId(b)).toEqual(byId(a));
        expect(JSON.stringify(b.totals)).toBe(JSON.stringify(a.totals));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('never reverses more than the original amounts, and a full refund reverses all', () => {
    fc.assert(
      fc.property(withAsOf, ([g, asOf]) => {
        for (const os of settleScenario(valid(g), asOf).orders) {
          for (const l of os.lines) {
            const d = l.detail;
            expect(d.reversed_gross).toBeGreaterThanOrEqual(0);
            expect(d.reversed_gross).toBeLessThanOrEqual(l.gross);
            expect(d.reversed_vat).toBeLessThanOrEqual(l.vat);
            expect(d.reversed_net).toBe(d.reversed_gross - d.reversed_vat);
            expect(l.refunded).toBe(d.reversed_gross);
            for (const leg of l.legs) {
              expect(leg.reversed_amount).toBeGreaterThanOrEqual(0);
              expect(leg.reversed_amount).toBeLessThanOrEqual(leg.amount);
              expect(leg.reversed_vat).toBeLessThanOrEqual(leg.vat);
            }
            if (d.reversed_units === d.quantity) {
              expect(d.reversed_gross).toBe(l.gross);
              for (const leg of l.legs) expect([leg.reversed_amount, leg.reversed_vat]).toEqual([leg.amount, leg.vat]);
            }
            expect(l.returned).toBeLessThanOrEqual(d.quantity);
            expect(l.status === 'returned').toBe(l.returned === d.quantity && l.status !== 'cancelled');
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('empties escrow for closed orders once every return window has passed', () => {
    fc.assert(
      fc.property(scenarioArb, (g) => {
        const s = valid(g);
        const later = iso(g.lastMs + (s.network.return_window_days + 1) * DAY);
        for (const os of settleScenario(s, later).orders) {
          const closed = os.lines.every((l) => ['delivered', 'collected', 'fulfilled', 'cancelled', 'returned'].includes(l.status));
          if (!closed) continue;
          for (const [entity, share] of Object.entries(os.escrow)) expect(share.held, `${os.id} ${entity}`).toBe(0);
          expect(os.lines.every((l) => l.detail.released || l.status === 'cancelled' || l.status === 'returned')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('explains every payout: contributions add up', () => {
    fc.assert(
      fc.property(withAsOf, ([g, asOf]) => {
        for (const os of settleScenario(valid(g), asOf).orders) {
          for (const [entity, payout] of Object.entries(os.payouts)) {
            const e = explainPayout(os, entity);
            expect(e.total).toBe(payout);
            for (const line of e.lines) expect(line.contributions.reduce((t, c) => t + c.amount, 0)).toBe(line.total);
          }
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('keeps fee shares within the fees and on live lines only', () => {
    fc.assert(
      fc.property(withAsOf, ([g, asOf]) => {
        const s = valid(g);
        for (const os of settleScenario(s, asOf).orders) {
          const owners = os.lines.reduce((t, l) => t + l.fee_share, 0);
          const toPlatform = os.lines.reduce((t, l) => t + l.detail.fee_to_platform, 0);
          expect(owners + toPlatform + os.platform_fees).toBe(os.psp_fees);
          if (s.network.psp_fee_bearer === 'platform') expect(owners).toBe(0);
          for (const l of os.lines) if (l.status === 'cancelled') expect(l.fee_share).toBe(0);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});

describe('the generator', () => {
  it('covers the cases the properties are about', () => {
    const seen = { cancelled: 0, rerouted: 0, partialReturn: 0, multiStepReturn: 0, returned: 0, jpy: 0, bhd: 0, proRata: 0, splitPayment: 0, orderDiscount: 0, voidLeg: 0, liveLeg: 0, negative: 0, held: 0, released: 0, versions: 0 };
    for (const g of fc.sample(scenarioArb, { numRuns: 300, seed: 42 })) {
      const s = valid(g);
      if (s.network.psp_fee_bearer === 'owners_pro_rata') seen.proRata++;
      if (s.rules.some((r) => r.version === 2)) seen.versions++;
      const { orders } = settleScenario(s, iso(g.lastMs));
      for (const [o, os] of s.orders.map((o, i) => [o, orders[i]] as const)) {
        if (o.currency === 'JPY') seen.jpy++;
        if (o.currency === 'BHD') seen.bhd++;
        if (o.payments.length > 1) seen.splitPayment++;
        if (o.discount > 0) seen.orderDiscount++;
        if (Object.values(os.payouts).some((v) => v < 0)) seen.negative++;
        if (Object.values(os.escrow).some((e) => e.held !== 0)) seen.held++;
        if (Object.values(os.escrow).some((e) => e.released > 0)) seen.released++;
        for (const l of os.lines) {
          if (l.status === 'cancelled') seen.cancelled++;
          if (l.status === 'returned') seen.returned++;
          if (l.detail.refused.length > 0 && l.status !== 'cancelled') seen.rerouted++;
          if (l.returned > 0 && l.returned < l.detail.quantity) seen.partialReturn++;
          if (l.detail.return_steps.length > 1) seen.multiStepReturn++;
          for (const leg of l.legs) if (leg.void) seen.voidLeg++; else seen.liveLeg++;
        }
      }
    }
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(5);
  });
});
