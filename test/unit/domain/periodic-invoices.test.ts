// A month's periodic documents from its sums (core/domain/periodic-invoices.ts periodicInvoices):
// which documents, in which order, with which lines, against a plain reading of the rule.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Dec } from '../../../core/domain/money.js';
import { lineDescription, periodicInvoices, sortedOrder, type MonthTotal, type PeriodicInvoiceDraft } from '../../../core/domain/periodic-invoices.js';

/** The rule read plainly: one document per supplier, customer, currency, month and kind, sums of nothing left out, documents without lines dropped. */
function reference(totals: readonly MonthTotal[]): PeriodicInvoiceDraft[] {
  const docs = new Map<string, PeriodicInvoiceDraft>();
  for (const t of totals) {
    const k = JSON.stringify([t.supplier, t.customer, t.currency, t.month, t.kind]);
    let d = docs.get(k);
    if (!d) docs.set(k, (d = { supplier: t.supplier, customer: t.customer, currency: t.currency, month: t.month, kind: t.kind, lines: [], net: 0, vat: 0 }));
    if (t.net === 0 && t.vat === 0) continue;
    const s = t.kind === 'invoice' ? 1 : -1;
    d.lines.push({ group: t.group, rate: t.rate, base: s * t.base, net: s * t.net, vat: s * t.vat, items: t.items, description: lineDescription(t.group, t.rate, t.items) });
    d.net += s * t.net;
    d.vat += s * t.vat;
  }
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const out = [...docs.values()].filter((d) => d.lines.length > 0);
  for (const d of out) d.lines.sort((a, b) => text(a.group, b.group) || new Dec(a.rate).cmp(b.rate));
  return out.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'invoice' ? -1 : 1) || text(a.month, b.month) || text(a.supplier, b.supplier)
    || text(a.customer, b.customer) || text(a.currency, b.currency));
}

const total = fc.record({
  supplier: fc.constantFrom('ST-1', 'ST-10', 'ST-2', 'WH-NORD', 'PLATFORM'),
  customer: fc.constantFrom('ST-1', 'ST-2', 'PLATFORM', 'FR-Lyon'),
  currency: fc.constantFrom('EUR', 'CHF'),
  month: fc.constantFrom('2026-01', '2026-02', '2026-12', '2027-01'),
  kind: fc.constantFrom('invoice' as const, 'credit_note' as const),
  group: fc.constantFrom('commission', 'royalty', 'fee'),
  // "0.05" and "0.050" are one rate: such lines keep the order they came in.
  rate: fc.constantFrom('0.05', '0.050', '0.1', '0.035', '0.2'),
  base: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  net: fc.integer({ min: -50_000, max: 50_000 }),
  vat: fc.integer({ min: -10_000, max: 10_000 }),
  items: fc.integer({ min: 1, max: 40 }),
});
const keyOf = (t: MonthTotal) => JSON.stringify([t.supplier, t.customer, t.currency, t.month, t.kind, t.group, t.rate]);

describe('periodic invoices from month sums', () => {
  it('give one document per parties, currency, month and kind, invoices first, lines by group then rate', () => {
    const t = (o: Partial<MonthTotal>): MonthTotal => ({ supplier: 'ST-1', customer: 'PLATFORM', currency: 'EUR', month: '2026-03', kind: 'invoice', group: 'commission',
      rate: '0.05', base: 10_000, net: 500, vat: 100, items: 2, ...o });
    const docs = periodicInvoices([
      t({ kind: 'credit_note', base: -2_000, net: -100, vat: -20, items: 1 }),
      t({ group: 'royalty', rate: '0.1', net: 1_000, vat: 200 }),
      t({ rate: '0.035', net: 350, vat: 70 }),
      t({ month: '2026-02' }),
      t({ supplier: 'ST-2', net: 0, vat: 0 }),
      t({}),
    ]);
    expect(docs.map((d) => [d.kind, d.month, d.supplier, d.net, d.vat])).toEqual([
      ['invoice', '2026-02', 'ST-1', 500, 100],
      ['invoice', '2026-03', 'ST-1', 1_850, 370],
      ['credit_note', '2026-03', 'ST-1', 100, 20],
    ]);
    expect(docs[1]!.lines.map((l) => [l.group, l.rate, l.net])).toEqual([['commission', '0.035', 350], ['commission', '0.05', 500], ['royalty', '0.1', 1_000]]);
    expect(docs[2]!.lines[0]).toMatchObject({ base: 2_000, net: 100, vat: 20, items: 1, description: 'Commission 5 % — 1 mouvement (détail en annexe)' });
  });

  it('match the rule read plainly on any sums', () => {
    fc.assert(fc.property(fc.uniqueArray(total, { selector: keyOf, maxLength: 80 }), (totals) => {
      expect(periodicInvoices(totals)).toEqual(reference(totals));
    }), { numRuns: 300 });
  });

  it('order sums the same whether their places fit one number or not', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 5 })), { maxLength: 60 }), fc.boolean(), (places, huge) => {
      // Documents numbered past 2^53 / (lines × sums) take the comparator's way.
      const scale = huge ? 2 ** 48 : 1;
      const doc = Float64Array.from(places, ([d]) => d * scale);
      const line = Float64Array.from(places, ([, l]) => l);
      const expected = places.map((_, i) => i).sort((a, b) => places[a]![0] - places[b]![0] || places[a]![1] - places[b]![1] || a - b);
      expect([...sortedOrder(doc, line, 6)]).toEqual(expected);
    }));
  });
});
