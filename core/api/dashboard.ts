// The store manager's dashboard of a period: sales credited, commissions and royalties earned
// and paid by rule group, PSP fees borne, escrow held and released, upcoming releases, and a
// daily series for the charts. Days are the entity's local days (its `time_zone`).
//
// Everything but the escrow split comes from the totals per entity and day kept with the
// settlement (core/store/day-totals.ts): head office's dashboard on the platform entity, a party
// of every order, reads a few hundred rows. What is released depends on now: days whose shares
// are all released (or not yet scheduled) come from the totals; the few recent days with shares
// released after now are read share by share.
import { z } from 'zod';
import { isoUtc } from '../domain/time.js';
import { DEFAULT_TIME_ZONE, nextDate, zonedDate, zonedStartOfDayIso } from '../domain/time-zone.js';
import { getEntity } from '../store/network-repo.js';
import { currencyTotals, dailyTotals, legTotals, openDays, sharesCreatedBetween } from '../store/dashboard-repo.js';
import { localDay } from '../store/day-totals.js';
import { ALL_ROLES, defineHandler } from './handler.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');

export interface CurrencyBlock {
  currency: string;
  orders: number;
  lines_owned: number;
  sales_gross: number;
  sales_net: number;
  returned_gross: number;
  earned: { group: string; amount: number; vat: number }[];
  paid: { group: string; amount: number; vat: number }[];
  fees: number;
  payout: number;
  escrow: { held: number; released: number };
  upcoming: { date: string; amount: number }[];
  daily: { date: string; payout: number; sales_gross: number }[];
}

const emptyBlock = (currency: string): CurrencyBlock => ({
  currency, orders: 0, lines_owned: 0, sales_gross: 0, sales_net: 0, returned_gross: 0, earned: [], paid: [], fees: 0, payout: 0,
  escrow: { held: 0, released: 0 }, upcoming: [], daily: [],
});

export const dashboardHandlers = {
  'dashboard.entity': defineHandler({
    summary: 'An entity\'s period (its local days, `to` excluded): sales, commissions and royalties earned and paid, fees, escrow, upcoming releases',
    input: z.object({ entity: z.string(), from: Day.optional(), to: Day.optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      const db = ctx.db;
      const now = isoUtc(ctx.now().getTime());
      const e = input.entity;
      const zone = getEntity(db, e)?.time_zone ?? DEFAULT_TIME_ZONE;
      const range = { entity: e, from: input.from, to: input.to };
      const blocks = new Map<string, CurrencyBlock>();
      const block = (currency: string) => blocks.get(currency) ?? blocks.set(currency, emptyBlock(currency)).get(currency)!;

      const released = new Map<string, number>();
      for (const t of currencyTotals(db, range)) {
        Object.assign(block(t.currency), {
          orders: t.orders, lines_owned: t.lines_owned, sales_gross: t.sales_gross, sales_net: t.sales_net, returned_gross: t.returned_gross,
          payout: t.payout, fees: t.fees,
        });
        // Every scheduled share counts as released here; the open days below correct it.
        released.set(t.currency, t.payout - t.unscheduled);
      }
      for (const g of legTotals(db, range)) {
        if (g.earn_legs > 0) block(g.currency).earned.push({ group: g.group_name, amount: g.earned, vat: g.earned_vat });
        if (g.pay_legs > 0) block(g.currency).paid.push({ group: g.group_name, amount: g.paid, vat: g.paid_vat });
      }
      for (const d of dailyTotals(db, range)) block(d.currency).daily.push({ date: d.day, payout: d.payout, sales_gross: d.owned_gross });

      // Days with shares released after now: read their shares, and split them exactly.
      const open = openDays(db, range, now);
      if (open.length > 0) {
        const openKeys = new Set(open.map((d) => `${d.currency}|${d.day}`));
        for (const d of open) released.set(d.currency, released.get(d.currency)! - (d.payout - d.unscheduled));
        const upcoming = new Map<string, number>();
        const first = open.reduce((m, d) => (d.day < m ? d.day : m), open[0]!.day);
        const last = open.reduce((m, d) => (d.day > m ? d.day : m), open[0]!.day);
        for (const x of sharesCreatedBetween(db, e, zonedStartOfDayIso(first, zone), zonedStartOfDayIso(nextDate(last), zone))) {
          if (!openKeys.has(`${x.currency}|${localDay(x.created_at, zone)}`)) continue;
          if (x.kind === 'fee' || (x.release_at !== null && x.release_at <= now)) released.set(x.currency, released.get(x.currency)! + x.amount);
          else if (x.release_at !== null) {
            const k = `${x.currency}|${zonedDate(Date.parse(x.release_at), zone)}`;
            upcoming.set(k, (upcoming.get(k) ?? 0) + x.amount);
          }
        }
        const dates = [...upcoming].map(([k, amount]) => ({ currency: k.slice(0, k.indexOf('|')), date: k.slice(k.indexOf('|') + 1), amount }))
          .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)).slice(0, 60);
        for (const u of dates) block(u.currency).upcoming.push({ date: u.date, amount: u.amount });
      }
      for (const b of blocks.values()) {
        const r = released.get(b.currency) ?? 0;
        b.escrow = { held: b.payout - r, released: r };
      }
      return { entity: e, time_zone: zone, from: input.from ?? null, to: input.to ?? null, at: now, currencies: [...blocks.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)) };
    },
  }),
};
