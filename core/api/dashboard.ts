// The store manager's dashboard of a period: sales credited, commissions and royalties earned
// and paid by rule group, PSP fees borne, escrow held and released, upcoming releases, and a
// daily series for the charts. Days are the entity's local days (its `time_zone`).
//
// The cards add up by construction: `parts` cuts the payout (the sum of the entity's shares) by
// what it comes from, all VAT included, so owned + earned + paid + fees = payout exactly. The
// owned lines' part (their gross less returns and cancellations) is the line shares less the legs
// received plus the legs paid, from the same rows; `unshipped` is the part of it on lines not yet
// shipped (pending, accepted), counted in the payout (held) but not in `sales_gross`.
//
// Everything but the escrow split comes from rows per entity and day (core/store/dashboard-repo.ts):
// for the platform entity, a party of every order, the totals kept with the settlement, so head
// office's dashboard reads a few hundred rows; for any other entity, the same rows computed from
// its own orders. What is released depends on now: days whose shares are all released (or not
// yet scheduled) are taken whole; the few recent days with shares released after now are read
// share by share.
import { z } from 'zod';
import { isoUtc } from '../domain/time.js';
import { DEFAULT_TIME_ZONE, zonedDate } from '../domain/time-zone.js';
import { dayRows, sharesCreatedOn } from '../store/dashboard-repo.js';
import { localDay } from '../store/day-totals.js';
import { getEntity } from '../store/network-repo.js';
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
  /** The payout by origin, VAT included, signed: owned + earned + paid + fees = payout. */
  parts: { owned: number; earned: number; paid: number; fees: number };
  /** Of `parts.owned`, the lines not yet shipped (sales_gross − returned_gross + unshipped = owned). */
  unshipped: number;
  escrow: { held: number; released: number };
  upcoming: { date: string; amount: number }[];
  daily: { date: string; payout: number; sales_gross: number }[];
}

const emptyBlock = (currency: string): CurrencyBlock => ({
  currency, orders: 0, lines_owned: 0, sales_gross: 0, sales_net: 0, returned_gross: 0, earned: [], paid: [], fees: 0, payout: 0,
  parts: { owned: 0, earned: 0, paid: 0, fees: 0 }, unshipped: 0, escrow: { held: 0, released: 0 }, upcoming: [], daily: [],
});

const byText = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

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
      const rows = dayRows(db, { entity: e, zone, from: input.from, to: input.to });
      const blocks = new Map<string, CurrencyBlock>();
      const block = (currency: string) => blocks.get(currency) ?? blocks.set(currency, emptyBlock(currency)).get(currency)!;

      // Every scheduled share counts as released here; the open days below correct it.
      const released = new Map<string, number>();
      const open: { day: string; currency: string }[] = [];
      for (const t of rows.totals) {
        const b = block(t.currency);
        b.orders += t.orders; b.lines_owned += t.lines_owned; b.sales_gross += t.sales_gross; b.sales_net += t.sales_net;
        b.returned_gross += t.returned_gross; b.payout += t.payout; b.fees += t.fees;
        released.set(t.currency, (released.get(t.currency) ?? 0) + (t.last_release_at !== null && t.last_release_at > now ? 0 : t.payout - t.unscheduled));
        if (t.last_release_at !== null && t.last_release_at > now) open.push({ day: t.day, currency: t.currency });
        if (t.orders > 0) b.daily.push({ date: t.day, payout: t.payout, sales_gross: t.owned_gross });
      }
      const groups = new Map<string, { currency: string; group: string; earned: number; earnedVat: number; paid: number; paidVat: number; earns: number; pays: number }>();
      for (const g of rows.legs) {
        const k = `${g.currency}\u0000${g.group_name}`;
        const s = groups.get(k) ?? groups.set(k, { currency: g.currency, group: g.group_name, earned: 0, earnedVat: 0, paid: 0, paidVat: 0, earns: 0, pays: 0 }).get(k)!;
        s.earned += g.earned; s.earnedVat += g.earned_vat; s.paid += g.paid; s.paidVat += g.paid_vat; s.earns += g.earn_legs; s.pays += g.pay_legs;
      }
      for (const s of [...groups.values()].sort(byText((x) => x.group))) {
        const b = block(s.currency);
        if (s.earns > 0) b.earned.push({ group: s.group, amount: s.earned, vat: s.earnedVat });
        if (s.pays > 0) b.paid.push({ group: s.group, amount: s.paid, vat: s.paidVat });
        b.parts.earned += s.earned + s.earnedVat;
        b.parts.paid -= s.paid + s.paidVat;
      }
      for (const b of blocks.values()) {
        b.parts.fees = b.fees;
        b.parts.owned = b.payout - b.fees - b.parts.earned - b.parts.paid;
        b.unshipped = b.parts.owned - (b.sales_gross - b.returned_gross);
      }

      // Days with shares released after now: read their shares, and split them exactly.
      if (open.length > 0) {
        const openKeys = new Set(open.map((d) => `${d.currency}|${d.day}`));
        const upcoming = new Map<string, number>();
        const days = open.map((d) => d.day).sort();
        for (const x of sharesCreatedOn(db, e, zone, days[0]!, days.at(-1)!)) {
          if (!openKeys.has(`${x.currency}|${localDay(x.created_at, zone)}`)) continue;
          if (x.kind === 'fee' || (x.release_at !== null && x.release_at <= now)) released.set(x.currency, (released.get(x.currency) ?? 0) + x.amount);
          else if (x.release_at !== null) {
            const k = `${x.currency}|${zonedDate(Date.parse(x.release_at), zone)}`;
            upcoming.set(k, (upcoming.get(k) ?? 0) + x.amount);
          }
        }
        const dates = [...upcoming].map(([k, amount]) => ({ currency: k.slice(0, k.indexOf('|')), date: k.slice(k.indexOf('|') + 1), amount }))
          .sort(byText((u) => u.date)).slice(0, 60);
        for (const u of dates) block(u.currency).upcoming.push({ date: u.date, amount: u.amount });
      }
      for (const b of blocks.values()) {
        b.daily.sort(byText((d) => d.date));
        const r = released.get(b.currency) ?? 0;
        b.escrow = { held: b.payout - r, released: r };
      }
      return { entity: e, time_zone: zone, from: input.from ?? null, to: input.to ?? null, at: now, currencies: [...blocks.values()].sort(byText((b) => b.currency)) };
    },
  }),
};
