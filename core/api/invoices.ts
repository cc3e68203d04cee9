// Invoices and credit notes of the legs between entities (commission, royalty, ...): periodic,
// one per supplier, customer, currency and month (docs/accounting.md). The list, one printable
// document, its annex (the orders behind each amount, also as CSV), an entity's statement for a
// period, and their sending. An entity sees the invoices it issued or received;
// "Autofacturation" marks those the platform drew up on a supplier's behalf under the network's
// billing mandate.
import { z } from 'zod';
import { accountingDate } from '../domain/books-calendar.js';
import { csvText } from '../domain/csv.js';
import { renderInvoiceHtml, renderStatementHtml, statementTotals, type DocParty, type InvoiceDoc, type StatementRow } from '../domain/invoice-doc.js';
import { formatMinor } from '../domain/money.js';
import { eventAtOfInvoice, getBookEntity } from '../store/books-repo.js';
import { getInvoice, invoiceLinesOf, itemsOfInvoice, listInvoices, markSent, type InvoiceRow } from '../store/invoice-repo.js';
import type { Db } from '../store/db.js';
import { requireEntity, resolvePeriod } from './books-service.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler, type ApiContext } from './handler.js';
import { EntityId, PeriodName } from './journal.js';

function party(db: Db, id: string): DocParty {
  const e = getBookEntity(db, id);
  return e ? { id, name: e.name, siren: e.siren, vat_number: e.vat_number } : { id, name: id, siren: '', vat_number: null };
}

function assertSees(ctx: ApiContext, inv: Pick<InvoiceRow, 'number' | 'supplier' | 'customer'>) {
  if (!ctx.scope.canSee(inv.supplier) && !ctx.scope.canSee(inv.customer)) throw forbidden(`invoice ${inv.number} concerns no entity in your scope`);
}

const view = (r: InvoiceRow & { sent_at: string | null }) => ({
  id: r.id, number: r.number, kind: r.kind, series: r.series, supplier: r.supplier, customer: r.customer, issued_by: r.issued_by,
  self_billed: r.self_billed === 1, mention: r.self_billed === 1 ? 'Autofacturation' : null, issue_date: r.issue_date, fiscal_year: r.fiscal_year,
  period: r.period, group: r.group_name, currency: r.currency, net: r.net, vat: r.vat, total: r.total, vat_rate: r.vat_rate, order: r.order_id, line: r.line_id,
  event: r.source_key, credits: r.credits, sent_at: r.sent_at,
});

type StoredInvoice = NonNullable<ReturnType<typeof getInvoice>>;

/** What an invoice's documents (HTML, Factur-X) say: parties, dates, lines and totals. */
export function invoiceDoc(db: Db, inv: StoredInvoice): InvoiceDoc {
  const eventAt = inv.period === null ? eventAtOfInvoice(db, inv.id) : undefined;
  return {
    number: inv.number, kind: inv.kind, issueDate: inv.issue_date, period: inv.period,
    serviceDate: inv.period ?? (eventAt ? accountingDate(eventAt, getBookEntity(db, inv.supplier)?.time_zone) : inv.issue_date),
    supplier: party(db, inv.supplier), customer: party(db, inv.customer), issuer: party(db, inv.issued_by), selfBilled: inv.self_billed === 1,
    currency: inv.currency, vatRate: inv.vat_rate, net: inv.net, vat: inv.vat, total: inv.total, order: inv.order_id, line: inv.line_id, credits: inv.credits,
    lines: inv.lines.map((l) => ({ description: l.description, group: l.group_name, rule: l.rule_ref, base: l.base, rate: l.rate, net: l.net, vat: l.vat, items: l.items })),
  };
}


export const ANNEX_COLUMNS = ['invoice', 'order', 'line', 'event', 'date', 'group', 'rule', 'role', 'base', 'rate', 'net', 'vat', 'currency', 'description'] as const;

/** The legs behind each amount of an invoice, order by order, and the same as CSV (amounts positive, as on the invoice). */
export function invoiceAnnex(db: Db, inv: StoredInvoice) {
  const s = inv.kind === 'invoice' ? 1 : -1;
  const rows = itemsOfInvoice(db, inv).map(([event, , group, rule, role, , , currency, , base, rate, net, vat, at, line, description, ], i, all) => ({
    order: all[i]!.order, line, event, date: at.slice(0, 10), group, rule, role, base: s * base, rate, net: s * net, vat: s * vat, currency, description,
  }));
  const csv = csvText([[...ANNEX_COLUMNS], ...rows.map((r) => [
    inv.number, r.order, r.line, r.event, r.date, r.group, r.rule, r.role, formatMinor(r.base, r.currency), r.rate, formatMinor(r.net, r.currency),
    formatMinor(r.vat, r.currency), r.currency, r.description,
  ])]);
  return { rows, name: `${inv.number}_annexe.csv`, mime: 'text/csv; charset=utf-8', csv };
}

/** Every invoice line of an entity over a period, signed for it, with its group, rate and amounts. */
export function statementOf(db: Db, entityId: string, periodName: string) {
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
      selfBilled: i.self_billed === 1, period: i.period, order: i.order_id, line: i.line_id, group: l.group_name, rule: l.rule_ref, description: l.description,
      base: l.base, rate: l.rate, net: s * l.net, vat: s * l.vat, total: s * (l.net + l.vat), currency: i.currency,
    };
  });
  const statement = { entity: party(db, entity.id), period: { name: period.name, start: period.start, end: period.end }, rows, totals: statementTotals(rows) };
  return { ...statement, name: `releve_${entity.id}_${period.name}.html`, mime: 'text/html; charset=utf-8', html: renderStatementHtml(statement) };
}

/** The invoice of an input that names one by `number` or `id`, checked against the caller's scope. */
function invoiceOf(ctx: ApiContext, input: { number?: string; id?: number }): StoredInvoice {
  const inv = getInvoice(ctx.db, input.id ?? input.number!);
  if (!inv) throw notFound('invoice', String(input.id ?? input.number));
  assertSees(ctx, inv);
  return inv;
}

const OneInvoice = z.object({ number: z.string().min(1).max(100).optional(), id: z.number().int().positive().optional() }).strict()
  .refine((i) => (i.number === undefined) !== (i.id === undefined), { message: 'give `number` or `id`' });

export const invoicesHandlers = {
  'invoices.list': defineHandler({
    summary: 'Invoices and credit notes between entities (issued or received by the entity, or by every entity in scope), with their sending',
    input: z.object({
      entity: EntityId.optional(),
      period: PeriodName.optional(),
      kind: z.enum(['invoice', 'credit_note']).optional(),
      unsent: z.boolean().optional(),
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
      const { total, rows } = listInvoices(ctx.db, { entities, from: range?.start, to: range?.end, kind: input.kind, unsent: input.unsent, limit: input.limit, offset: input.offset });
      return { total, rows: rows.map(view) };
    },
  }),

  'invoices.document': defineHandler({
    summary: 'One invoice or credit note as a printable, self-contained HTML document, and the data of its Factur-X file',
    input: OneInvoice,
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const inv = invoiceOf(ctx, input);
      const doc = invoiceDoc(ctx.db, inv);
      // `doc` is what the Factur-X file is made of (`ventil invoices --format facturx`).
      return { ...view(inv), lines: inv.lines, doc, name: `${inv.number}.html`, mime: 'text/html; charset=utf-8', html: renderInvoiceHtml(doc) };
    },
  }),

  'invoices.annex': defineHandler({
    summary: 'The orders behind each amount of an invoice or credit note: one row per leg (order, line, rule, base, rate, amounts), and as CSV',
    input: OneInvoice,
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const inv = invoiceOf(ctx, input);
      return { number: inv.number, ...invoiceAnnex(ctx.db, inv) };
    },
  }),

  'invoices.statement': defineHandler({
    summary: 'An entity\'s statement for a period: every invoice line with its group, rate and amounts, and an HTML document',
    input: z.object({ entity: EntityId, period: PeriodName }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      return statementOf(ctx.db, input.entity, input.period);
    },
  }),

  'invoices.send': defineHandler({
    summary: 'Record invoices as sent to their recipients (head office; once each): closing a period needs its periodic invoices sent',
    input: z.object({
      numbers: z.array(z.string().min(1).max(100)).min(1).max(5000).optional(),
      entity: EntityId.optional(),
      period: PeriodName.optional(),
      channel: z.enum(['facturx', 'html']).default('facturx'),
    }).strict().refine((i) => (i.numbers === undefined) !== (i.entity === undefined), { message: 'give `numbers`, or `entity` (with `period`)' }),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      let invoices: { id: number; number: string; supplier: string; customer: string }[];
      if (input.numbers) {
        invoices = input.numbers.map((n) => invoiceOf(ctx, { number: n }));
      } else {
        ctx.scope.assertEntity(input.entity!);
        const entity = requireEntity(ctx.db, input.entity!);
        const range = input.period ? resolvePeriod(entity, input.period) : null;
        invoices = listInvoices(ctx.db, { entities: [entity.id], from: range?.start, to: range?.end, unsent: true }).rows;
      }
      const sent = markSent(ctx.db, invoices.map((i) => i.id), ctx.now().toISOString(), ctx.principal.userId, input.channel);
      const numbers = invoices.filter((i) => sent.includes(i.id)).map((i) => i.number);
      ctx.audit({ entities: [...new Set(invoices.flatMap((i) => [i.supplier, i.customer]))], after: { sent: numbers } });
      return { sent: numbers, already: invoices.length - numbers.length };
    },
  }),
};
