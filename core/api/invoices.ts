// Invoices and credit notes of the legs between entities (commission, royalty, ...): the list,
// one printable document, and an entity's statement for a period. An entity sees the invoices it
// issued or received; "Autofacturation" marks those the platform drew up on a beneficiary's behalf.
import { z } from 'zod';
import { renderInvoiceHtml, renderStatementHtml, statementTotals, type DocParty, type StatementRow } from '../domain/invoice-doc.js';
import { accountingDate } from '../domain/books-calendar.js';
import { getBookEntity, getInvoice, invoiceLinesOf, listInvoices, type InvoiceRow } from '../store/books-repo.js';
import type { Sqlite } from '../store/sqlite.js';
import { requireEntity, resolvePeriod } from './books-service.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';
import { EntityId, PeriodName } from './journal.js';

function party(db: Sqlite, id: string): DocParty {
  const e = getBookEntity(db, id);
  return e ? { id, name: e.name, siren: e.siren, vat_number: e.vat_number } : { id, name: id, siren: '', vat_number: null };
}

function assertSees(ctx: ApiContext, inv: Pick<InvoiceRow, 'number' | 'supplier' | 'customer'>) {
  if (!ctx.scope.canSee(inv.supplier) && !ctx.scope.canSee(inv.customer)) throw forbidden(`invoice ${inv.number} concerns no entity in your scope`);
}

const view = (r: InvoiceRow) => ({
  id: r.id, number: r.number, kind: r.kind, series: r.series, supplier: r.supplier, customer: r.customer, issued_by: r.issued_by,
  self_billed: r.self_billed === 1, mention: r.self_billed === 1 ? 'Autofacturation' : null, issue_date: r.issue_date, fiscal_year: r.fiscal_year,
  group: r.group_name, currency: r.currency, net: r.net, vat: r.vat, total: r.total, vat_rate: r.vat_rate, order: r.order_id, line: r.line_id,
  event: r.source_key, credits: r.credits,
});

export function invoiceDocument(db: Sqlite, inv: NonNullable<ReturnType<typeof getInvoice>>) {
  const eventAt = db.prepare('SELECT event_at FROM journal_entries WHERE invoice_id = ? ORDER BY id LIMIT 1').pluck().get(inv.id) as string | undefined;
  return renderInvoiceHtml({
    number: inv.number, kind: inv.kind, issueDate: inv.issue_date, serviceDate: eventAt ? accountingDate(eventAt, getBookEntity(db, inv.supplier)?.time_zone) : inv.issue_date,
    supplier: party(db, inv.supplier), customer: party(db, inv.customer), issuer: party(db, inv.issued_by), selfBilled: inv.self_billed === 1,
    currency: inv.currency, vatRate: inv.vat_rate, net: inv.net, vat: inv.vat, total: inv.total, order: inv.order_id, line: inv.line_id, credits: inv.credits,
    lines: inv.lines.map((l) => ({ description: l.description, rule: l.rule_ref, base: l.base, rate: l.rate, net: l.net, vat: l.vat })),
  });
}

/** Every invoice line of an entity over a period, signed for it, with the rule and amounts. */
export function statementOf(db: Sqlite, entityId: string, periodName: string) {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, periodName);
  const { rows: invoices } = listInvoices(db, { entities: [entity.id], from: period.start, to: period.end });
  const lines = invoiceLinesOf(db, invoices.map((i) => i.id));
  const byId = new Map(invoices.map((i) => [i.id, i]));
  const rows: StatementRow[] = lines.map((l) => {
    const i = byId.get(l.invoice_id)!;
    const earned = i.supplier === entity.id;
    const s = (earned ? 1 : -1) * (i.kind === 'invoice' ? 1 : -1);
    return {
      date: i.issue_date, number: i.number, kind: i.kind, direction: earned ? 'earned' : 'paid', counterparty: earned ? i.customer : i.supplier,
      selfBilled: i.self_billed === 1, order: i.order_id, line: i.line_id, group: i.group_name, rule: l.rule_ref, description: l.description,
      base: l.base, rate: l.rate, net: s * l.net, vat: s * l.vat, total: s * (l.net + l.vat), currency: i.currency,
    };
  });
  const statement = { entity: party(db, entity.id), period: { name: period.name, start: period.start, end: period.end }, rows, totals: statementTotals(rows) };
  return { ...statement, name: `releve_${entity.id}_${period.name}.html`, mime: 'text/html; charset=utf-8', html: renderStatementHtml(statement) };
}

export const invoicesHandlers = {
  'invoices.list': defineHandler({
    summary: 'Invoices and credit notes between entities (issued or received by the entity, or by every entity in scope)',
    input: z.object({
      entity: EntityId.optional(),
      period: PeriodName.optional(),
      kind: z.enum(['invoice', 'credit_note']).optional(),
      limit: z.number().int().min(1).max(5000).default(100),
      offset: z.number().int().min(0).default(0),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      let entities: string[] | null;
      let range: { start: string; end: string } | null = null;
      if (input.entity !== undefined) {
        ctx.scope.assertEntity(input.entity);
        const entity = requireEntity(ctx.db, input.entity);
        if (input.period) range = resolvePeriod(entity, input.period);
        entities = [entity.id];
      } else {
        entities = ctx.scope.entityList();
        if (input.period) {
          if (/^\d{4}$/.test(input.period)) throw new ApiError('invalid_period', 'a fiscal year depends on the entity; give `entity`, or a month', [{ path: 'period', code: 'needs_entity', message: 'give an entity for a fiscal year' }]);
          range = resolvePeriod({ fiscal_year_end: '12-31' } as never, input.period);
        }
      }
      const { total, rows } = listInvoices(ctx.db, { entities, from: range?.start, to: range?.end, kind: input.kind, limit: input.limit, offset: input.offset });
      return { total, rows: rows.map(view) };
    },
  }),

  'invoices.document': defineHandler({
    summary: 'One invoice or credit note as a printable, self-contained HTML document',
    input: z.object({ number: z.string().min(1).max(100).optional(), id: z.number().int().positive().optional() }).strict()
      .refine((i) => (i.number === undefined) !== (i.id === undefined), { message: 'give `number` or `id`' }),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const inv = getInvoice(ctx.db, input.id ?? input.number!);
      if (!inv) throw notFound('invoice', String(input.id ?? input.number));
      assertSees(ctx, inv);
      return { ...view(inv), lines: inv.lines, name: `${inv.number}.html`, mime: 'text/html; charset=utf-8', html: invoiceDocument(ctx.db, inv) };
    },
  }),

  'invoices.statement': defineHandler({
    summary: 'An entity\'s statement for a period: every invoiced leg with its rule, base, rate and amounts, and an HTML document',
    input: z.object({ entity: EntityId, period: PeriodName }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      return statementOf(ctx.db, input.entity, input.period);
    },
  }),
};
