// Invoices between entities: one per leg group, supplier and customer of each event, numbered
// without gaps per series, "Autofacturation" where the platform issues them for a beneficiary,
// credit notes for returns; printable self-contained HTML; statements that agree with the books.
import { describe, expect, it } from 'vitest';
import type { Sqlite } from '../../core/store/sqlite.js';
import { balance, numberingGaps } from '../helpers/books.js';
import { basicScenario, call, clocked, err, freshDb, importInto, manager, ok, type Json } from '../helpers/lifecycle.js';

function setup(): { db: Sqlite; clock: ReturnType<typeof clocked> } {
  const db = freshDb();
  const clock = clocked(db, '2026-04-01T12:00:00Z');
  importInto(clock.ctx, basicScenario());
  return { db, clock };
}

describe('invoices', () => {
  it('invoices every non-void leg once, numbered per issuer series without gaps', () => {
    const { db, clock } = setup();
    const list = ok(call(clock.ctx, 'invoices.list', { limit: 100 }));
    expect(list.rows.map((r: Json) => `${r.number} ${r.kind} ${r.supplier}->${r.customer} ${r.net}+${r.vat}=${r.total}${r.mention ? ' ' + r.mention : ''}`)).toEqual([
      'COM-LILLE-2026-000001 invoice LILLE->HQ 708+142=850 Autofacturation',
      'ROY-HQ-2026-000001 invoice HQ->LYON 83+17=100',
      'COM-LYON-2026-000001 invoice LYON->HQ 500+100=600 Autofacturation',
      'ROY-HQ-2026-000002 invoice HQ->VILL 200+40=240',
      'COM-LYON-2026-000002 invoice LYON->VILL 375+75=450 Autofacturation',
      'ROY-HQ-2026-000003 invoice HQ->VILL 300+60=360',
      'AV-COM-LYON-2026-000001 credit_note LYON->VILL 188+38=226 Autofacturation',
      'AV-ROY-HQ-2026-000001 credit_note HQ->VILL 150+30=180',
      'COM-LILLE-2026-000002 invoice LILLE->HQ 660+132=792 Autofacturation',
    ]);
    expect(numberingGaps(db)).toEqual([]);
    // Self-billing rule: a beneficiary other than the platform is invoiced by the platform on its behalf.
    for (const r of list.rows as Json[]) {
      expect(r.self_billed).toBe(r.supplier !== 'HQ');
      expect(r.issued_by).toBe('HQ');
    }
    expect(list.rows.find((r: Json) => r.kind === 'credit_note' && r.supplier === 'LYON').credits).toBe('COM-LYON-2026-000002');
    // Every non-void leg of a fulfilled line is on exactly one invoice.
    const legs = db.prepare(`SELECT COUNT(*) FROM settlement_legs g JOIN settlements s ON s.order_id = g.order_id AND s.revision = g.revision
      JOIN settlement_lines l ON l.order_id = g.order_id AND l.revision = g.revision AND l.line_id = g.line_id
      WHERE g.void IS NULL AND l.status IN ('shipped', 'delivered', 'collected', 'fulfilled', 'returned')`).pluck().get();
    expect(db.prepare("SELECT COUNT(*) FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id WHERE i.kind = 'invoice'").pluck().get()).toBe(legs);
    // Each leg entry names its invoice as the supporting document.
    const pieces = db.prepare("SELECT DISTINCT e.piece_ref FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id WHERE l.fact LIKE 'leg:%'").pluck().all();
    expect(new Set(pieces)).toEqual(new Set(list.rows.map((r: Json) => r.number)));
  });

  it('prints an invoice as self-contained HTML with its legal mentions, escaped', () => {
    const { clock } = setup();
    const lyon = ok(call(clock.ctx, 'network.entities.list', {})).find((e: Json) => e.id === 'LYON');
    ok(call(clock.ctx, 'network.entities.update', { ...lyon, name: 'Lyon <script>alert(1)</script> & Cie' }));
    const doc = ok(call(clock.ctx, 'invoices.document', { number: 'COM-LYON-2026-000001' }));
    expect(doc.name).toBe('COM-LYON-2026-000001.html');
    const html: string = doc.html;
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('Facture n° COM-LYON-2026-000001');
    expect(html).toContain('Autofacturation');
    expect(html).toContain('au nom et pour le compte de Lyon &lt;script&gt;alert(1)&lt;/script&gt; &amp; Cie');
    expect(html).toContain('SIREN 802314740');
    expect(html).toContain('TVA intracommunautaire FR96552100554');
    expect(html).toContain('Règle WEB-HOME@1');
    expect(html).toContain('5\u00a0%');
    expect(html).toContain('6,00\u00a0EUR');
    expect(html).toContain('Date de la prestation : 02/03/2026');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/|url\(|@import/i);
    const credit = ok(call(clock.ctx, 'invoices.document', { number: 'AV-COM-LYON-2026-000001' })).html as string;
    expect(credit).toContain('Avoir n° AV-COM-LYON-2026-000001');
    expect(credit).toContain('Avoir sur la facture n° COM-LYON-2026-000002');
    const royalty = ok(call(clock.ctx, 'invoices.document', { number: 'ROY-HQ-2026-000001' })).html as string;
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
    expect(vill.rows.map((r: Json) => `${r.number} ${r.direction} ${r.rule} ${r.base}×${r.rate} ${r.net}`)).toEqual([
      'ROY-HQ-2026-000002 paid ROYALTY@1 5000×0.04 -200',
      'COM-LYON-2026-000002 paid WEB-HOME@1 7500×0.05 -375',
      'ROY-HQ-2026-000003 paid ROYALTY@1 7500×0.04 -300',
      'AV-COM-LYON-2026-000001 paid WEB-HOME@1 7500×0.05 188',
      'AV-ROY-HQ-2026-000001 paid ROYALTY@1 7500×0.04 150',
    ]);
  });

  it('shows an entity the invoices it issued or received, and no other', () => {
    const { clock } = setup();
    const lille = clock.as(manager('LILLE'));
    const mine = ok(call(lille, 'invoices.list', {}));
    expect(mine.rows.every((r: Json) => r.supplier === 'LILLE' || r.customer === 'LILLE')).toBe(true);
    expect(mine.total).toBe(2);
    expect(err(call(lille, 'invoices.document', { number: 'COM-LYON-2026-000001' })).code).toBe('forbidden');
    expect(err(call(lille, 'invoices.statement', { entity: 'LYON', period: '2026' })).code).toBe('forbidden');
    expect(err(call(clock.ctx, 'invoices.document', { number: 'COM-NOPE-2026-000001' })).code).toBe('not_found');
  });
});
