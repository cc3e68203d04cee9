// A store's payouts (issue 15): the transfers it received (and reversals taken back), each with
// its date, amount, PSP status and the orders it pays; the next expected payout (date and
// amount: what will be released and unpaid at the next run, on the network's release
// schedule); and a downloadable statement (HTML, printable to PDF by the browser, and CSV).
// Scoped: a store manager reads its own entities, a controller its region, head office all.
import { z } from 'zod';
import { DAY_MS, isoUtc, toMs } from '../domain/time.js';
import { renderPayoutStatementCsv, renderPayoutStatementHtml, payoutTotals, type PayoutStatementRow } from '../domain/payout-statement.js';
import { getEntity } from '../store/network-repo.js';
import { lastRunAsOf, networkSetting, ordersOfTransfers, transfersOfEntity } from '../store/release-repo.js';
import { ApiError, notFound } from './errors.js';
import { entityPositions, positions } from './escrow.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';
import { transferView } from './release.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date such as 2026-03-31');

const Filter = {
  entity: z.string().min(1).max(64),
  /** First day (UTC) included. */
  from: Day.optional(),
  /** Last day (UTC) included. */
  to: Day.optional(),
};

// Transfers' created_at is toISOString() text, compared as text.
const dayStart = (d: string) => `${d}T00:00:00.000Z`;
const dayAfter = (d: string) => new Date(toMs(dayStart(d)) + DAY_MS).toISOString();

function requireEntity(ctx: ApiContext, id: string) {
  ctx.scope.assertEntity(id);
  const e = getEntity(ctx.db, id);
  if (!e) throw notFound('entity', id);
  return e;
}

function checkPeriod(from: string | undefined, to: string | undefined) {
  if (from && to && to < from) throw new ApiError('invalid_input', '`to` is before `from`', [{ path: 'to', code: 'invalid_period', message: 'before the first day' }]);
}

/** The entity's transfers of the period with the orders each pays, newest first. */
function payoutsOf(ctx: ApiContext, entity: string, from: string | undefined, to: string | undefined, limit: number) {
  const transfers = transfersOfEntity(ctx.db, entity, { from: from && dayStart(from), to: to && dayAfter(to), limit });
  const orders = new Map<string, { order: string; amount: number; lines: number }[]>();
  for (const o of ordersOfTransfers(ctx.db, transfers.map((t) => t.id))) {
    let l = orders.get(o.transfer_id);
    if (!l) orders.set(o.transfer_id, (l = []));
    l.push({ order: o.order, amount: o.amount, lines: o.lines });
  }
  return transfers.map((t) => ({ ...transferView(t), orders: orders.get(t.id) ?? [] }));
}

/**
 * The next payout the entity can expect: at the next run on the network's schedule (the last
 * run plus `release_interval_days`, or today when that is past), what will be released by then
 * and not yet transferred, per currency. Negative (the entity owes the network): nothing is
 * paid, the debt is shown.
 */
function nextPayout(ctx: ApiContext, entity: string) {
  const nowMs = ctx.now().getTime();
  const every = networkSetting<number>(ctx.db, 'release_interval_days', 7);
  const last = lastRunAsOf(ctx.db);
  const dueMs = last === null ? nowMs : Math.max(nowMs, last + every * DAY_MS);
  const date = isoUtc(dueMs).slice(0, 10);
  const atMs = toMs(`${date}T23:59:59Z`);
  const nowPos = new Map(entityPositions(positions(ctx.db, nowMs, { entities: [entity] })).map((p) => [p.currency, p]));
  const amounts = entityPositions(positions(ctx.db, atMs, { entities: [entity] })).map((p) => ({
    currency: p.currency,
    amount: Math.max(0, p.unpaid),
    /** Already released today (due whatever the date of the run). */
    released_now: Math.max(0, nowPos.get(p.currency)?.unpaid ?? 0),
    owed_to_network: p.unpaid < 0 ? -p.unpaid : 0,
    held_after: p.held,
  }));
  return { date, every_days: every, last_run_as_of: last === null ? null : isoUtc(last), amounts };
}

export const payoutsHandlers = {
  'payouts.list': defineHandler({
    summary: 'An entity\'s payouts: every transfer received or taken back, with its date, amount, PSP status and the orders it pays; the next expected payout',
    input: z.object({ ...Filter, limit: z.number().int().min(1).max(5000).default(500) }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const entity = requireEntity(ctx, input.entity);
      checkPeriod(input.from, input.to);
      const transfers = payoutsOf(ctx, entity.id, input.from, input.to, input.limit);
      const rows: PayoutStatementRow[] = transfers.map((t) => ({ ...t, date: t.created_at, transfer: t.id, run: t.run_id, status: t.psp_status }));
      return { entity: entity.id, from: input.from ?? null, to: input.to ?? null, transfers, totals: payoutTotals(rows), next: nextPayout(ctx, entity.id) };
    },
  }),

  'payouts.statement': defineHandler({
    summary: 'An entity\'s payout statement for a period, as a printable HTML document (print it to PDF) or CSV',
    input: z.object({ ...Filter, format: z.enum(['html', 'csv']).default('html'), lang: z.enum(['fr', 'en']).default('fr') }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const entity = requireEntity(ctx, input.entity);
      checkPeriod(input.from, input.to);
      const rows: PayoutStatementRow[] = payoutsOf(ctx, entity.id, input.from, input.to, 100_000).reverse().map((t) => ({
        date: t.created_at, transfer: t.id, run: t.run_id, kind: t.kind, status: t.psp_status, currency: t.currency, amount: t.amount, orders: t.orders,
      }));
      const statement = { entity: { id: entity.id, name: entity.name, siren: entity.siren }, from: input.from ?? null, to: input.to ?? null, rows, lang: input.lang };
      const base = `${input.lang === 'fr' ? 'versements' : 'payouts'}_${entity.id}${input.from ? `_${input.from}` : ''}${input.to ? `_${input.to}` : ''}`;
      return input.format === 'csv'
        ? { name: `${base}.csv`, mime: 'text/csv; charset=utf-8', content: renderPayoutStatementCsv(statement), rows: rows.length }
        : { name: `${base}.html`, mime: 'text/html; charset=utf-8', content: renderPayoutStatementHtml(statement), rows: rows.length };
    },
  }),
};
