// The posting scheme as pure functions: docs/spec.md section 9's table on the example order W-1001,
// reversals of returns, cancellations, PSP fees under owners_pro_rata, transfers, periodic
// invoices' entries, and the "target minus posted" difference that keeps the books (and what is
// invoiced) following the settlement.
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../core/domain/context.js';
import {
  draftEntries, draftItems, fulfilmentTimes, invoiceMovements, orderMovements, transferMovements,
  type InvoicedLeg, type Movement, type OrderBooksInput, type PostedLine,
} from '../../../core/domain/postings.js';
import { eventsByOrder, settleOrder } from '../../../core/domain/settle.js';
import type { Scenario } from '../../../core/domain/scenario.js';
import { example } from './fixtures.js';

function inputs(s: Scenario, asOf: string, mutate?: (s: Scenario) => void): Map<string, OrderBooksInput> {
  if (mutate) mutate(s);
  const ctx = buildContext(s.network, s.rules);
  const byOrder = eventsByOrder(s.events);
  return new Map(s.orders.map((o) => [o.id, { order: o, events: byOrder.get(o.id) ?? [], settlement: settleOrder(ctx, o, byOrder.get(o.id) ?? [], asOf) }]));
}

/** A movement as `ENTITY FACT: account±amount ...`, debits positive. */
const show = (m: Movement) => `${m.entity} ${m.event.split(':')[0]}/${m.fact} ${m.journal}: ${m.lines.map((l) => `${l.role}${l.aux ? `[${l.aux}]` : ''}${l.amount > 0 ? '+' : ''}${l.amount}`).join(' ')}`;

const sum = (ls: readonly { amount: number }[]) => ls.reduce((s, l) => s + l.amount, 0);

/** What the journal would hold after posting these drafts (as PostedLine rows). */
function asPosted(ms: readonly { entity: string; event: string; journal: Movement['journal']; currency: string; order: string | null; transfer: string | null; lines: readonly { fact?: string; role: Movement['lines'][number]['role']; aux: string | null; amount: number }[]; fact?: string }[]): PostedLine[] {
  return ms.flatMap((m) => m.lines.map((l) => ({ entity: m.entity, event: m.event, fact: l.fact ?? m.fact!, role: l.role, aux: l.aux, amount: l.amount, journal: m.journal, currency: m.currency, order: m.order, transfer: m.transfer })));
}

describe('orderMovements on W-1001 (docs/spec.md section 9)', () => {
  const input = inputs(example('network-basic'), '2026-03-20T00:00:00Z').get('W-1001')!;
  const { movements, legs } = orderMovements(input);

  it('posts the table of the transparent model, entity by entity', () => {
    expect(movements.map(show)).toEqual([
      // capture into escrow and the PSP fee, borne by the platform
      'HQ cap/cap BQ: escrow+18500 customer_funds-18500',
      'HQ fee/fee BQ: psp_fees+296 escrow-296',
      // line 1, owned by HQ (the platform): a sale in HQ's books (its commission to LYON goes on an invoice)
      'HQ ful/sale VE: customer_funds+12000 sales-10000 output_vat-2000',
      // line 2, owned by VILL: VILL's sale, passed through the platform (its royalty to HQ goes on an invoice)
      'VILL ful/sale VE: platform_current[HQ]+6000 sales-5000 output_vat-1000',
      'HQ ful/sale OD: customer_funds+6000 network_current[VILL]-6000',
      // line 3, shipping, owned by HQ
      'HQ ful/sale VE: customer_funds+500 sales_shipping-417 output_vat-83',
    ]);
  });

  it('balances every movement and dates each with its event', () => {
    for (const m of movements) expect(sum(m.lines)).toBe(0);
    const at = new Map(movements.map((m) => [`${m.event}`, m.at]));
    expect(at.get('cap:W-1001:PAY-1001')).toBe('2026-03-02T09:15:30Z');
    expect(at.get('ful:W-1001:1')).toBe('2026-03-02T16:00:00Z'); // shipped
    expect(at.get('ful:W-1001:2')).toBe('2026-03-05T17:30:00Z'); // collected
  });

  it('lists the legs to invoice: beneficiary supplies, payer is invoiced', () => {
    expect(legs.map((l) => `${l.supplier}→${l.customer} ${l.group} ${l.amount}+${l.vat}`)).toEqual(['LYON→HQ commission 500+100', 'HQ→VILL royalty 200+40']);
  });

  it('leaves P\'s 467200-E and E\'s 467000-P equal to E\'s payout once fulfilled and invoiced', () => {
    // The legs' invoices: LYON → HQ (commission), HQ → VILL (royalty), one document each here.
    const invoices = legs.flatMap((l, i) => invoiceMovements({ id: i, number: `F${i}`, kind: 'invoice', supplier: l.supplier, customer: l.customer, currency: 'EUR',
      net: l.amount, vat: l.vat, date: '2026-03-31', title: 'mars 2026' }, 'HQ'));
    const all = [...movements, ...invoices];
    const bal = (entity: string, role: string, aux: string | null = null) => sum(all.filter((m) => m.entity === entity).flatMap((m) => m.lines).filter((l) => l.role === role && l.aux === aux));
    expect(bal('VILL', 'platform_current', 'HQ')).toBe(input.settlement.payouts.VILL);
    expect(-bal('HQ', 'network_current', 'VILL')).toBe(input.settlement.payouts.VILL);
    expect(bal('LYON', 'platform_current', 'HQ')).toBe(input.settlement.payouts.LYON);
    expect(-bal('HQ', 'network_current', 'LYON')).toBe(input.settlement.payouts.LYON);
    expect(bal('HQ', 'customer_funds')).toBe(0); // every line fulfilled
  });

  it('books a periodic invoice in the supplier\'s, the customer\'s and the platform\'s books', () => {
    const inv = (supplier: string, customer: string, kind: 'invoice' | 'credit_note' = 'invoice') => invoiceMovements({ id: 1, number: 'FAC-1', kind, supplier, customer,
      currency: 'EUR', net: 500, vat: 100, date: '2026-03-31', title: 'mars 2026' }, 'HQ').map(show);
    expect(inv('LYON', 'VILL')).toEqual([
      'LYON inv/invoice VE: platform_current[HQ]+600 commissions_earned-500 output_vat-100',
      'VILL inv/invoice AC: commissions_paid+500 input_vat+100 platform_current[HQ]-600',
      'HQ inv/invoice OD: network_current[VILL]+600 network_current[LYON]-600',
    ]);
    expect(inv('LYON', 'HQ')).toEqual([
      'LYON inv/invoice VE: platform_current[HQ]+600 commissions_earned-500 output_vat-100',
      'HQ inv/invoice AC: commissions_paid+500 input_vat+100 network_current[LYON]-600',
    ]);
    expect(inv('HQ', 'VILL', 'credit_note')).toEqual([
      'VILL inv/invoice AC: platform_current[HQ]+600 commissions_paid-500 input_vat-100',
      'HQ inv/invoice VE: commissions_earned+500 output_vat+100 network_current[VILL]-600',
    ]);
  });
});

describe('returns, cancellations and unfulfilled lines', () => {
  it('reverses a returned unit of W-1002 (sale, and the legs to credit) and refunds the customer', () => {
    const input = inputs(example('network-basic'), '2026-03-20T00:00:00Z').get('W-1002')!;
    const { movements, legs } = orderMovements(input);
    const ret = movements.filter((m) => m.event.startsWith('ret:')).map(show);
    expect(ret).toEqual([
      'VILL ret/sale VE: sales+3750 output_vat+750 platform_current[HQ]-4500',
      'HQ ret/sale OD: network_current[VILL]+4500 customer_funds-4500',
      'HQ ret/refund BQ: customer_funds+4500 escrow-4500',
    ]);
    expect(legs.filter((l) => l.event.startsWith('ret:')).map((l) => `${l.supplier}→${l.customer} ${l.group} ${l.base} ${l.amount}+${l.vat}`)).toEqual([
      'LYON→VILL commission -3750 -188+-38', 'HQ→VILL royalty -3750 -150+-30',
    ]);
  });

  it('posts nothing for a line not fulfilled, and refunds a cancelled one from customer funds', () => {
    const all = inputs(example('network-basic'), '2026-03-20T00:00:00Z');
    const w1003 = all.get('W-1003')!;
    // line 2 refused by its only candidate: cancelled, never fulfilled
    expect(fulfilmentTimes(w1003.order, w1003.events, w1003.settlement).get('2')).toBeNull();
    const m = orderMovements(w1003).movements.filter((x) => x.event.includes(':2') && !x.event.startsWith('cap'));
    expect(m.map(show)).toEqual(['HQ can/refund BQ: customer_funds+1290 escrow-1290']);
    // EA-2001 is shipped (fulfilled, not delivered): its sale is posted
    const ea = orderMovements(all.get('EA-2001')!).movements;
    expect(ea.some((x) => x.fact === 'sale')).toBe(true);
  });

  it('keeps a pending line in customer funds', () => {
    const s = example('network-basic');
    s.events = s.events.filter((e) => e.order !== 'W-1001' || e.line !== '2');
    const input = inputs(s, '2026-03-20T00:00:00Z').get('W-1001')!;
    const { movements } = orderMovements(input);
    const funds = sum(movements.flatMap((m) => m.lines).filter((l) => l.role === 'customer_funds'));
    expect(funds).toBe(-6000); // the jacket (line 2) is not collected: still to allocate
  });

  it('reverses cumulatively by rounding steps: after every unit, everything', () => {
    const s = example('network-basic');
    s.orders.find((o) => o.id === 'W-1002')!.lines[0]!.unit_price = 4499; // odd amounts
    s.orders.find((o) => o.id === 'W-1002')!.payments[0]!.amount = 8998;
    s.events.push({ type: 'line_returned', order: 'W-1002', line: '1', quantity: 1, location: 'ST-LYON', at: '2026-03-11T14:00:00Z' } as never);
    const input = inputs(s, '2026-03-20T00:00:00Z').get('W-1002')!;
    const { movements } = orderMovements(input);
    const byRole = (entity: string, role: string) => sum(movements.filter((m) => m.entity === entity).flatMap((m) => m.lines).filter((l) => l.role === role));
    expect(input.settlement.lines[0]!.status).toBe('returned');
    for (const [e, r] of [['VILL', 'sales'], ['VILL', 'output_vat']] as const) {
      expect(byRole(e, r), `${e} ${r}`).toBe(0);
    }
    const legs = orderMovements(input).legs;
    for (const key of new Set(legs.map((l) => `${l.supplier}→${l.customer} ${l.group}`))) {
      const these = legs.filter((l) => `${l.supplier}→${l.customer} ${l.group}` === key);
      expect(sum(these), key).toBe(0);
      expect(sum(these.map((l) => ({ amount: l.vat }))), key).toBe(0);
      expect(sum(these.map((l) => ({ amount: l.base }))), key).toBe(0);
    }
    expect(byRole('HQ', 'escrow')).toBe(8998 - input.settlement.psp_fees - 8998);
  });
});

describe('PSP fees borne by owners (owners_pro_rata)', () => {
  it('splits the fee by gross; a cancelled line\'s share falls to the platform', () => {
    const input = inputs(example('network-basic'), '2026-03-20T00:00:00Z', (s) => { s.network.psp_fee_bearer = 'owners_pro_rata'; }).get('W-1003')!;
    const fee = orderMovements(input).movements.filter((m) => m.fact === 'fee').map(show);
    // 182 spread over 9900 (HQ, line 1) and 1290 (LILLE, line 2, cancelled → platform): 161 + 21
    expect(fee).toEqual(['HQ fee/fee BQ: psp_fees+182 escrow-182']);
    const w1001 = inputs(example('network-basic'), '2026-03-20T00:00:00Z', (s) => { s.network.psp_fee_bearer = 'owners_pro_rata'; }).get('W-1001')!;
    expect(orderMovements(w1001).movements.filter((m) => m.fact === 'fee').map(show)).toEqual([
      'VILL fee/fee OD: psp_fees+96 platform_current[HQ]-96',
      'HQ fee/fee BQ: psp_fees+200 network_current[VILL]+96 escrow-296',
    ]);
  });
});

describe('transfers of release runs', () => {
  it('posts a transfer in both books, a withdrawal in the platform\'s, a reversal backwards', () => {
    const t = (kind: 'transfer' | 'withdrawal' | 'reversal', entity: string, amount: number) => transferMovements({ id: `T-${kind}`, run: 'rr_1', entity, currency: 'EUR', amount, kind, at: '2026-03-20T00:00:00Z' }, 'HQ').map(show);
    expect(t('transfer', 'LYON', 600)).toEqual(['HQ tr/transfer BQ: network_current[LYON]+600 escrow-600', 'LYON tr/transfer BQ: bank+600 platform_current[HQ]-600']);
    expect(t('withdrawal', 'HQ', 11844)).toEqual(['HQ tr/transfer BQ: bank+11844 escrow-11844']);
    expect(t('reversal', 'VILL', -5760)).toEqual(['HQ tr/transfer BQ: escrow+5760 network_current[VILL]-5760', 'VILL tr/transfer BQ: platform_current[HQ]+5760 bank-5760']);
  });
});

describe('draftEntries: the books follow the settled state', () => {
  const s0 = example('network-basic');
  s0.events = s0.events.filter((e) => e.type !== 'line_returned');
  const before = inputs(s0, '2026-03-20T00:00:00Z').get('W-1002')!;
  const after = inputs(example('network-basic'), '2026-03-20T00:00:00Z').get('W-1002')!;

  it('posts everything once, then nothing when nothing changed', () => {
    const t = orderMovements(before);
    const drafts = draftEntries(t.movements, [], t.adjustAt);
    expect(drafts.every((d) => !d.adjustment && sum(d.lines) === 0)).toBe(true);
    expect(draftEntries(t.movements, asPosted(drafts), t.adjustAt)).toEqual([]);
  });

  it('gives the same drafts on a fresh order through the fast path and the general one', () => {
    for (const input of inputs(example('network-basic'), '2026-03-20T00:00:00Z').values()) {
      const t = orderMovements(input);
      const unrelated: PostedLine = { entity: 'HQ', event: 'fee:OTHER', fact: 'fee', role: 'psp_fees', aux: null, amount: 0, journal: 'BQ', currency: 'EUR', order: 'OTHER', transfer: null };
      expect(draftEntries(t.movements, [], t.adjustAt)).toEqual(draftEntries(t.movements, [unrelated], t.adjustAt));
    }
  });

  it('posts only the return as new entries after the event arrives', () => {
    const t0 = orderMovements(before);
    const posted = asPosted(draftEntries(t0.movements, [], t0.adjustAt));
    const t1 = orderMovements(after);
    const drafts = draftEntries(t1.movements, posted, t1.adjustAt);
    expect(drafts.length).toBeGreaterThan(0);
    expect(drafts.every((d) => d.event.startsWith('ret:') && !d.adjustment && d.at === '2026-03-10T14:00:00Z')).toBe(true);
    expect(draftEntries(t1.movements, [...posted, ...asPosted(drafts)], t1.adjustAt)).toEqual([]);
  });

  it('reverses a fact that is gone, as a dated correction of the event', () => {
    const t1 = orderMovements(after);
    const posted = asPosted(draftEntries(t1.movements, [], t1.adjustAt));
    const t0 = orderMovements(before);
    const drafts = draftEntries(t0.movements, posted, '2026-03-25T00:00:00Z');
    expect(drafts.length).toBeGreaterThan(0);
    for (const d of drafts) {
      expect(d.adjustment).toBe(true);
      expect(d.at).toBe('2026-03-25T00:00:00Z');
      expect(d.label.startsWith('Régularisation')).toBe(true);
      expect(sum(d.lines)).toBe(0);
    }
  });

  it('puts the legs on invoices once and takes back what a return does, naming the month it corrects', () => {
    const t0 = orderMovements(before);
    const items0 = draftItems(t0.legs, [], t0.adjustAt);
    expect(items0.map((i) => `${i.supplier}→${i.customer} ${i.group} ${i.amount}+${i.vat}`)).toEqual(['LYON→VILL commission 375+75', 'HQ→VILL royalty 300+60']);
    const invoiced: InvoicedLeg[] = items0.map((i) => ({ ...i, net: i.amount, month: '2026-03', invoice: null }));
    expect(draftItems(t0.legs, invoiced, t0.adjustAt)).toEqual([]);
    const t1 = orderMovements(after);
    const items1 = draftItems(t1.legs, invoiced, t1.adjustAt);
    expect(items1.map((i) => `${i.supplier}→${i.customer} ${i.group} ${i.amount}+${i.vat} corrects ${i.corrects.map((c) => c.month).join(',')}`)).toEqual([
      'LYON→VILL commission -188+-38 corrects 2026-03', 'HQ→VILL royalty -150+-30 corrects 2026-03',
    ]);
    // A leg that is gone (an explicit re-settlement) is taken back in full.
    const gone = draftItems([], invoiced, '2026-04-02T00:00:00Z');
    expect(gone.map((i) => `${i.amount}+${i.vat} ${i.at}`)).toEqual(['-375+-75 2026-04-02T00:00:00Z', '-300+-60 2026-04-02T00:00:00Z']);
  });
});
