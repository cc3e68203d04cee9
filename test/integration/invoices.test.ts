// Periodic invoices between entities: one invoice (and one credit note) per supplier, customer,
// currency and month, issued once the month is over, one line per rule group and rate, numbered
// without gaps per supplier and fiscal year, "Autofacturation" where the network's mandate has
// the platform issue them; the legs behind each amount as an annex; printable self-contained
// HTML; statements that agree with the books; sending.
import { describe, expect, it } from 'vitest';
import type { Db } from '../../core/store/db.js';
import { invoiceIssuer } from '../../core/store/invoice-repo.js';
import { balance, numberingGaps } from '../helpers/books.js';
import { basicScenario, call, clocked, err, freshDb, importInto, manager, ok, type Json } from '../helpers/lifecycle.js';

function setup(network: Json = {}): { db: Db; clock: ReturnType<typeof clocked> } {
  const db = freshDb();
  const clock = clocked(db, '2026-04-01T12:00:00Z');
  importInto(clock.ctx, basicScenario({ network }));
  return { db, clock };
}

const sum = (rows: readonly Json[], k: string) => rows.reduce((s, r) => s + r[k], 0);

describe('periodic invoices', () => {
  it('issues one invoice and one credit note per supplier, customer, currency and month, numbered without gaps', () => {
    const { db, clock } = setup();
    const list = ok(call(clock.ctx, 'invoices.list', { limit: 100 }));
    expect(list.rows.map((r: Json) => `${r.number} ${r.kind} ${r.supplier}->${r.customer} ${r.period} ${r.issue_date} ${r.net}+${r.vat}=${r.total}${r.mention ? ' ' + r.mention : ''}`)).toEqual([
      'FAC-HQ-2026-000001 invoice HQ->LYON 2026-03 2026-03-31 83+17=100',
      'FAC-HQ-2026-000002 invoice HQ->VILL 2026-03 2026-03-31 500+100=600',
      'FAC-LILLE-2026-000001 invoice LILLE->HQ 2026-03 2026-03-31 1368+274=1642 Autofacturation',
      'FAC-LYON-2026-000001 invoice LYON->HQ 2026-03 2026-03-31 500+100=600 Autofacturation',
      'FAC-LYON-2026-000002 invoice LYON->VILL 2026-03 2026-03-31 375+75=450 Autofacturation',
      'AV-HQ-2026-000001 credit_note HQ->VILL 2026-03 2026-03-31 150+30=180',
      'AV-LYON-2026-000001 credit_note LYON->VILL 2026-03 2026-03-31 188+38=226 Autofacturation',
    ]);
    expect(numberingGaps(db)).toEqual([]);
    // At most one per supplier, customer, currency, month and kind.
    const keys = list.rows.map((r: Json) => `${r.supplier}|${r.customer}|${r.currency}|${r.period}|${r.kind}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Self-billing under the network's mandate (default: every supplier).
    for (const r of list.rows as Json[]) {
      expect(r.self_billed).toBe(r.supplier !== 'HQ');
      expect(r.issued_by).toBe('HQ');
    }
    // A credit note names the invoice that carried the legs it takes back.
    expect(list.rows.find((r: Json) => r.number === 'AV-LYON-2026-000001').credits).toBe('FAC-LYON-2026-000002');
    expect(list.rows.find((r: Json) => r.number === 'AV-HQ-2026-000001').credits).toBe('FAC-HQ-2026-000002');
    // One line per rule group and rate: HQ → VILL carries two royalty rates.
    const doc = ok(call(clock.ctx, 'invoices.document', { number: 'FAC-HQ-2026-000002' }));
    expect(doc.lines.map((l: Json) => `${l.group_name} ${l.rate} ${l.items} ${l.base} ${l.net}+${l.vat}`)).toEqual(['royalty 0.04 2 12500 500+100']);
    // Each invoice's entries name it as their supporting document, in every book it concerns.
    const pieces = db.prepare("SELECT DISTINCT piece_ref FROM journal_entries WHERE source_key LIKE 'inv:%'").pluck().all();
    expect(new Set(pieces)).toEqual(new Set(list.rows.map((r: Json) => r.number)));
  });

  it('adds up, invoice by invoice, the legs of its annex, which are every leg of the month', () => {
    const { db, clock } = setup();
    const list = ok(call(clock.ctx, 'invoices.list', { limit: 100 })).rows as Json[];
    let items = 0;
    for (const inv of list) {
      const annex = ok(call(clock.ctx, 'invoices.annex', { number: inv.number }));
      const doc = ok(call(clock.ctx, 'invoices.document', { number: inv.number }));
      expect(sum(annex.rows, 'net'), inv.number).toBe(inv.net);
      expect(sum(annex.rows, 'vat'), inv.number).toBe(inv.vat);
      expect(sum(doc.lines, 'items'), inv.number).toBe(annex.rows.length);
      expect(sum(doc.lines, 'base'), inv.number).toBe(sum(annex.rows, 'base'));
      const csv = (annex.csv as string).split('\r\n');
      expect(csv[0]).toBe('invoice,order,line,event,date,group,rule,role,base,rate,net,vat,currency,description');
      expect(csv.length - 2).toBe(annex.rows.length);
      expect(annex.name).toBe(`${inv.number}_annexe.csv`);
      items += annex.rows.length;
    }
    // Every non-void leg of a fulfilled line is on an invoice, and each return step on a credit note.
    const legs = db.prepare(`SELECT COUNT(*) FROM settlement_legs g JOIN settlements s ON s.order_id = g.order_id AND s.revision = g.revision
      JOIN settlement_lines l ON l.order_id = g.order_id AND l.revision = g.revision AND l.line_id = g.line_id
      WHERE g.void IS NULL AND l.status IN ('shipped', 'delivered', 'collected', 'fulfilled', 'returned')`).pluck().get() as number;
    expect(items).toBe(legs + 2); // W-1002's return takes back its two legs
    const w1001 = ok(call(clock.ctx, 'invoices.annex', { number: 'FAC-LYON-2026-000001' })).rows;
    expect(w1001.map((r: Json) => `${r.order}/${r.line} ${r.rule} ${r.base}×${r.rate} ${r.net}+${r.vat}`)).toEqual(['W-1001/1 WEB-HOME@1 10000×0.05 500+100']);
  });

  it('waits for the month to be over, then issues it; what arrives later goes on a later month', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-03-20T00:00:00Z');
    const s = basicScenario();
    const ret = s.events.filter((e: Json) => e.type === 'line_returned');
    s.events = s.events.filter((e: Json) => e.type !== 'line_returned');
    importInto(clock.ctx, s);
    expect(ok(call(clock.ctx, 'invoices.list', {})).total).toBe(0);
    expect(db.prepare('SELECT DISTINCT month FROM invoice_totals').pluck().all()).toEqual(['2026-03']);
    clock.set('2026-03-31T21:30:00Z'); // 31 March, 23:30 in Paris: not over yet
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).invoices).toBe(0);
    clock.set('2026-03-31T22:30:00Z'); // April in Paris
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).invoices).toBe(5);
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).invoices).toBe(0);
    // W-1002's return of 10 March arrives in April: March's documents between HQ or LYON and VILL
    // are issued, so what it takes back goes on April's credit notes, naming March's invoices.
    ok(call(clock.ctx, 'events.submit', { events: ret }));
    expect(db.prepare("SELECT supplier || '>' || customer || ' ' || month FROM invoice_totals WHERE issued = 0 ORDER BY 1").pluck().all()).toEqual(['HQ>VILL 2026-04', 'LYON>VILL 2026-04']);
    clock.set('2026-05-02T00:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const notes = ok(call(clock.ctx, 'invoices.list', { kind: 'credit_note' })).rows as Json[];
    expect(notes.map((n) => `${n.number} ${n.period} ${n.issue_date} ${n.credits}`)).toEqual([
      'AV-HQ-2026-000001 2026-04 2026-04-30 FAC-HQ-2026-000002', 'AV-LYON-2026-000001 2026-04 2026-04-30 FAC-LYON-2026-000002',
    ]);
  });

  it('credits the month of a leg posted in the same run as its return, for an order posted before', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-03-20T00:00:00Z');
    const s = basicScenario();
    // W-1002 is posted without legs (paid, not shipped); its shipping, delivery and return come together.
    const late = s.events.filter((e: Json) => e.order === 'W-1002' && ['line_shipped', 'line_delivered', 'line_returned'].includes(e.type));
    s.events = s.events.filter((e: Json) => !late.includes(e));
    importInto(clock.ctx, s);
    const legsOf = () => db.prepare("SELECT count(*) FROM invoice_items WHERE order_id = 'W-1002'").pluck().get();
    expect(legsOf()).toBe(0);
    ok(call(clock.ctx, 'events.submit', { events: late }));
    expect(legsOf()).toBe(1); // one row for the run, with the legs and their returns
    clock.set('2026-04-01T12:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    // The return takes back legs whose invoice this very run placed in March: March's credit
    // notes name March's invoices, as when both arrive with the order.
    const notes = ok(call(clock.ctx, 'invoices.list', { kind: 'credit_note' })).rows as Json[];
    expect(notes.map((n) => `${n.number} ${n.period} ${n.credits}`)).toEqual([
      'AV-HQ-2026-000001 2026-03 FAC-HQ-2026-000002', 'AV-LYON-2026-000001 2026-03 FAC-LYON-2026-000002',
    ]);
  });

  it('posts the books of an invoice left without them, before those of the invoices it issues', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-03-20T00:00:00Z');
    importInto(clock.ctx, basicScenario());
    // An invoice stored without its books, as when a rate was missing when it was issued.
    const left = db.transaction(() => {
      const issuer = invoiceIssuer(db);
      const r = issuer.issue({ series: 'FAC-LYON-TEST', kind: 'invoice', supplier: 'LYON', customer: 'LILLE', issued_by: 'HQ', self_billed: true,
        issue_date: '2026-02-28', fiscal_year: '2026', period: '2026-02', currency: 'EUR', net: 1000, vat: 200, vat_rate: '0.20', credits: null,
        created_at: '2026-03-20T00:00:00Z', lines: [{ group: 'commission', rate: '0.05', description: 'Commission', base: 20000, net: 1000, vat: 200, items: 1 }] });
      issuer.flush();
      return r;
    })();
    clock.set('2026-04-01T12:00:00Z');
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).invoices).toBe(7);
    const firstEntries = db.prepare(`SELECT i.id, min(e.id) AS entry FROM invoices i LEFT JOIN journal_entries e ON e.invoice_id = i.id
      WHERE i.period IS NOT NULL GROUP BY i.id ORDER BY i.id`).all() as Json[];
    expect(firstEntries).toHaveLength(8);
    expect(firstEntries.every((r) => r.entry !== null)).toBe(true);
    expect(firstEntries[0].id).toBe(left.id);
    // In id order: the invoice left without books first, then the month's, as issued.
    expect(firstEntries.map((r) => r.entry)).toEqual([...firstEntries.map((r) => r.entry)].sort((a, b) => a - b));
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).entries).toBe(0);
  });

  it('issues the supplier\'s own invoices where the network\'s mandate does not cover it', () => {
    const { clock } = setup({ self_billing: ['LILLE'] });
    const rows = ok(call(clock.ctx, 'invoices.list', { limit: 100 })).rows as Json[];
    const lille = rows.find((r) => r.supplier === 'LILLE')!;
    expect([lille.self_billed, lille.issued_by, lille.mention]).toEqual([true, 'HQ', 'Autofacturation']);
    const lyon = rows.find((r) => r.supplier === 'LYON')!;
    expect([lyon.self_billed, lyon.issued_by, lyon.mention]).toEqual([false, 'LYON', null]);
    const html = ok(call(clock.ctx, 'invoices.document', { number: lyon.number })).html as string;
    expect(html).not.toContain('Autofacturation');
  });

  it('prints an invoice as self-contained HTML with its legal mentions, escaped', () => {
    const { clock } = setup();
    const lyon = ok(call(clock.ctx, 'network.entities.list', {})).find((e: Json) => e.id === 'LYON');
    ok(call(clock.ctx, 'network.entities.update', { ...lyon, name: 'Lyon <script>alert(1)</script> & Cie' }));
    const doc = ok(call(clock.ctx, 'invoices.document', { number: 'FAC-LYON-2026-000001' }));
    expect(doc.name).toBe('FAC-LYON-2026-000001.html');
    const html: string = doc.html;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Facture n° FAC-LYON-2026-000001');
    expect(html).toContain('Autofacturation');
    expect(html).toContain('au nom et pour le compte de Lyon &lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie');
    expect(html).toContain('SIREN 802314740');
    expect(html).toContain('TVA intracommunautaire FR96552100554');
    expect(html).toContain('Commission 5 %');
    expect(html).toContain('6,00\u00a0EUR');
    expect(html).toContain('Période de prestation : mars 2026');
    expect(html).toContain('1 mouvement détaillé en annexe');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/|url\(|@import/i);
    const credit = ok(call(clock.ctx, 'invoices.document', { number: 'AV-LYON-2026-000001' })).html as string;
    expect(credit).toContain('Avoir n° AV-LYON-2026-000001');
    expect(credit).toContain('Avoir sur la facture n° FAC-LYON-2026-000002');
    const royalty = ok(call(clock.ctx, 'invoices.document', { number: 'FAC-HQ-2026-000001' })).html as string;
    expect(royalty).not.toContain('Autofacturation');
  });

  it('lists every line of an entity\'s statement, and its totals agree with its books', () => {
    const { db, clock } = setup();
    for (const entity of ['LYON', 'VILL', 'HQ', 'LILLE']) {
      const st = ok(call(clock.ctx, 'invoices.statement', { entity, period: '2026' }));
      const t = st.totals.EUR ?? { net: 0 };
      const earned = st.rows.filter((r: Json) => r.direction === 'earned').reduce((s: number, r: Json) => s + r.net, 0);
      const paid = 0 - st.rows.filter((r: Json) => r.direction === 'paid').reduce((s: number, r: Json) => s + r.net, 0);
      expect(earned, entity).toBe(0 - balance(db, entity, 'commissions_earned'));
      expect(paid, entity).toBe(balance(db, entity, 'commissions_paid'));
      expect(t.net).toBe(earned - paid);
      expect(st.html).toContain('Relevé des commissions et redevances');
      for (const r of st.rows as Json[]) expect(st.html).toContain(r.number);
    }
    const vill = ok(call(clock.ctx, 'invoices.statement', { entity: 'VILL', period: '2026' }));
    expect(vill.rows.map((r: Json) => `${r.number} ${r.direction} ${r.period} ${r.group} ${r.base}×${r.rate} ${r.net}`)).toEqual([
      'FAC-HQ-2026-000002 paid 2026-03 royalty 12500×0.04 -500',
      'FAC-LYON-2026-000002 paid 2026-03 commission 7500×0.05 -375',
      'AV-HQ-2026-000001 paid 2026-03 royalty 3750×0.04 150',
      'AV-LYON-2026-000001 paid 2026-03 commission 3750×0.05 188',
    ]);
  });

  it('records sending once, and shows an entity the invoices it issued or received, and no other', () => {
    const { clock } = setup();
    const lille = clock.as(manager('LILLE'));
    const mine = ok(call(lille, 'invoices.list', {}));
    expect(mine.rows.every((r: Json) => r.supplier === 'LILLE' || r.customer === 'LILLE')).toBe(true);
    expect(mine.total).toBe(1);
    expect(err(call(lille, 'invoices.document', { number: 'FAC-LYON-2026-000001' })).code).toBe('forbidden');
    expect(err(call(lille, 'invoices.annex', { number: 'FAC-LYON-2026-000001' })).code).toBe('forbidden');
    expect(err(call(lille, 'invoices.statement', { entity: 'LYON', period: '2026' })).code).toBe('forbidden');
    expect(err(call(lille, 'invoices.send', { numbers: ['FAC-LILLE-2026-000001'] })).code).toBe('forbidden');
    expect(err(call(clock.ctx, 'invoices.document', { number: 'FAC-NOPE-2026-000001' })).code).toBe('not_found');
    expect(ok(call(clock.ctx, 'invoices.send', { entity: 'LILLE', period: '2026-03' }))).toEqual({ sent: ['FAC-LILLE-2026-000001'], already: 0 });
    expect(ok(call(clock.ctx, 'invoices.send', { numbers: ['FAC-LILLE-2026-000001', 'FAC-LYON-2026-000001'] }))).toEqual({ sent: ['FAC-LYON-2026-000001'], already: 1 });
    expect(ok(call(clock.ctx, 'invoices.list', { unsent: true })).total).toBe(5);
  });
});
