// Head office's home (issue 15): the money figures of the network on one screen, per currency,
// each naming the view that explains it: sales and commissions of the fiscal year to date (the
// platform entity's dashboard: it is a party of every order), escrow held, money released but
// not transferred yet, transfers written but not yet paid by the PSP, and the anomalies to look at.
// Every figure is computed by the operation its view reads, so the home and the views agree.
import { z } from 'zod';
import { NETWORK_WIDE_ROLES } from '../../common/vocabulary.js';
import { accountingDate, fiscalYearOf } from '../domain/books-calendar.js';
import { isoUtc } from '../domain/time.js';
import { getBookEntity } from '../store/books-repo.js';
import { networkSetting, transfersNotPaid } from '../store/release-repo.js';
import { anomaliesHandlers } from './anomalies.js';
import { dashboardHandlers } from './dashboard.js';
import { entityPositions, positions } from './escrow.js';
import { defineHandler } from './handler.js';

export interface FinanceFigures {
  currency: string;
  /** Gross sales (TTC) of the period. */
  sales: number;
  /** Commissions and royalties the platform earned over the period, before VAT. */
  commissions: number;
  escrow_held: number;
  /** Released and due at the next release run (entities owed money only). */
  released_not_transferred: number;
  /** Transfers written and not yet paid by the PSP. */
  payouts_due: number;
  payouts_due_count: number;
}

export const financeHandlers = {
  'finance.summary': defineHandler({
    summary: 'Head office\'s money figures per currency: sales and commissions of the fiscal year to date, escrow held, released but not transferred, transfers not yet paid, and the anomalies by severity',
    input: z.object({}).strict(),
    roles: NETWORK_WIDE_ROLES,
    mutates: false,
    run: (ctx) => {
      const now = ctx.now();
      const platform = getBookEntity(ctx.db, networkSetting<string>(ctx.db, 'platform_entity', ''));
      const figures = new Map<string, FinanceFigures>();
      const of = (currency: string) => figures.get(currency) ?? figures.set(currency, {
        currency, sales: 0, commissions: 0, escrow_held: 0, released_not_transferred: 0, payouts_due: 0, payouts_due_count: 0,
      }).get(currency)!;
      let from: string | null = null;
      if (platform) {
        from = fiscalYearOf(accountingDate(now.toISOString(), platform.time_zone), platform.fiscal_year_end).start;
        for (const b of dashboardHandlers['dashboard.entity'].run(ctx, { entity: platform.id, from }, undefined).currencies) {
          of(b.currency).sales += b.sales_gross;
          of(b.currency).commissions += b.earned.reduce((n, g) => n + g.amount, 0);
        }
      }
      for (const p of entityPositions(positions(ctx.db, now.getTime()))) {
        of(p.currency).escrow_held += p.held;
        if (p.unpaid > 0) of(p.currency).released_not_transferred += p.unpaid;
      }
      for (const t of transfersNotPaid(ctx.db)) {
        of(t.currency).payouts_due += t.amount;
        of(t.currency).payouts_due_count += 1;
      }
      const found = anomaliesHandlers['anomalies.list'].run(ctx, {}, undefined);
      const anomalies = { total: found.anomalies.length, errors: 0, warnings: 0, failures: found.failures.length };
      for (const a of found.anomalies) anomalies[a.severity === 'error' ? 'errors' : 'warnings'] += 1;
      return {
        at: isoUtc(now.getTime()), platform: platform?.id ?? null, from,
        currencies: [...figures.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)), anomalies,
      };
    },
  }),
};
