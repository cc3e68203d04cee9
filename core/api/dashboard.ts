// The store manager's dashboard of a period: sales credited, commissions and royalties earned
// and paid by rule group, PSP fees borne, escrow held and released, upcoming releases, and a
// daily series for the charts. Everything comes from the current settlement revisions.
import { z } from 'zod';
import { isoUtc } from '../domain/time.js';
import type { StoredLegTuple } from '../store/settlement-repo.js';
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

export const dashboardHandlers = {
  'dashboard.entity': defineHandler({
    summary: 'An entity\'s period: sales, commissions and royalties earned and paid, fees, escrow, upcoming releases',
    input: z.object({ entity: z.string(), from: Day.optional(), to: Day.optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      const db = ctx.db;
      const now = isoUtc(ctx.now().getTime());
      const from = input.from ? `${input.from}T00:00:00Z` : '0000';
      const to = input.to ? `${input.to}T00:00:00Z` : '9999';
      const e = input.entity;
      // The entity's orders of the period, read once through its party key and named to each query.
      const orders = JSON.stringify(db.prepare('SELECT order_id FROM order_parties WHERE entity = ? AND created_at >= ? AND created_at < ?').pluck().all(e, from, to));
      const inPeriod = 'SELECT value FROM json_each(@orders)';
      const blocks = new Map<string, CurrencyBlock>();
      const block = (currency: string) => blocks.get(currency) ?? blocks.set(currency, {
        currency, orders: 0, lines_owned: 0, sales_gross: 0, sales_net: 0, returned_gross: 0, earned: [], paid: [], fees: 0, payout: 0,
        escrow: { held: 0, released: 0 }, upcoming: [], daily: [],
      }).get(currency)!;

      for (const r of db.prepare(`SELECT s.currency, count(*) AS orders FROM settlements s WHERE s.order_id IN (${inPeriod}) GROUP BY s.currency`).all({ orders }) as { currency: string; orders: number }[]) {
        block(r.currency).orders = r.orders;
      }
      for (const r of db.prepare(`SELECT s.currency, count(*) AS n, sum(l.gross) AS gross, sum(l.net) AS net, sum(l.reversed_gross) AS returned
          FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
          WHERE l.owner = @e AND l.order_id IN (${inPeriod}) AND l.status NOT IN ('pending', 'accepted', 'cancelled') GROUP BY s.currency`).all({ e, orders }) as { currency: string; n: number; gross: number; net: number; returned: number }[]) {
        Object.assign(block(r.currency), { lines_owned: r.n, sales_gross: r.gross, sales_net: r.net, returned_gross: r.returned });
      }
      // Legs the entity receives (earned) or pays, by rule group: read from the lines' legs_json
      // (a text search narrows the lines; JSON.parse beats SQL's json_each on every leg field).
      const legGroups = new Map<string, { currency: string; group: string; earns: boolean; pays: boolean; earned: number; earnedVat: number; paid: number; paidVat: number }>();
      const legRows = db.prepare(`SELECT s.currency, l.legs_json FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
          WHERE l.order_id IN (${inPeriod}) AND instr(l.legs_json, json_quote(@e)) > 0`).raw().iterate({ e, orders }) as Iterable<[string, string]>;
      for (const [currency, json] of legRows) {
        for (const [group, , , toEntity, , fromEntity, , , amount, vat, isVoid, revAmount, revVat] of JSON.parse(json) as StoredLegTuple[]) {
          if (isVoid !== null || (toEntity !== e && fromEntity !== e)) continue;
          const key = `${currency}\u0000${group}`;
          let t = legGroups.get(key);
          if (!t) legGroups.set(key, (t = { currency, group, earns: false, pays: false, earned: 0, earnedVat: 0, paid: 0, paidVat: 0 }));
          if (toEntity === e) { t.earns = true; t.earned += amount - revAmount; t.earnedVat += vat - revVat; }
          if (fromEntity === e) { t.pays = true; t.paid += amount - revAmount; t.paidVat += vat - revVat; }
        }
      }
      for (const t of [...legGroups.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))) {
        if (t.earns) block(t.currency).earned.push({ group: t.group, amount: t.earned, vat: t.earnedVat });
        if (t.pays) block(t.currency).paid.push({ group: t.group, amount: t.paid, vat: t.paidVat });
      }

      const shares = `FROM entity_shares x JOIN settlements s ON s.order_id = x.order_id AND s.revision = x.revision WHERE x.entity = @e AND x.order_id IN (${inPeriod})`;
      for (const r of db.prepare(`SELECT x.currency, sum(x.amount) AS payout, sum(CASE WHEN x.kind = 'fee' THEN x.amount ELSE 0 END) AS fees,
          sum(CASE WHEN x.kind = 'fee' OR (x.release_at IS NOT NULL AND x.release_at <= @now) THEN x.amount ELSE 0 END) AS released ${shares} GROUP BY x.currency`)
        .all({ e, orders, now }) as { currency: string; payout: number; fees: number; released: number }[]) {
        Object.assign(block(r.currency), { payout: r.payout, fees: r.fees, escrow: { held: r.payout - r.released, released: r.released } });
      }
      for (const r of db.prepare(`SELECT x.currency, substr(x.release_at, 1, 10) AS date, sum(x.amount) AS amount ${shares}
          AND x.kind = 'line' AND x.release_at > @now GROUP BY x.currency, date ORDER BY date LIMIT 60`).all({ e, orders, now }) as { currency: string; date: string; amount: number }[]) {
        block(r.currency).upcoming.push({ date: r.date, amount: r.amount });
      }
      for (const r of db.prepare(`SELECT s.currency, substr(p.created_at, 1, 10) AS date,
            (SELECT coalesce(sum(x.amount), 0) FROM entity_shares x WHERE x.order_id = p.order_id AND x.revision = s.revision AND x.entity = @e) AS payout,
            (SELECT coalesce(sum(l.gross), 0) FROM settlement_lines l WHERE l.order_id = p.order_id AND l.revision = s.revision AND l.owner = @e) AS gross
          FROM order_parties p JOIN settlements s ON s.order_id = p.order_id
          WHERE p.entity = @e AND p.created_at >= @from AND p.created_at < @to ORDER BY p.created_at`).all({ e, from, to }) as { currency: string; date: string; payout: number; gross: number }[]) {
        const b = block(r.currency);
        const last = b.daily.at(-1);
        if (last && last.date === r.date) { last.payout += r.payout; last.sales_gross += r.gross; }
        else b.daily.push({ date: r.date, payout: r.payout, sales_gross: r.gross });
      }
      return { entity: e, from: input.from ?? null, to: input.to ?? null, at: now, currencies: [...blocks.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)) };
    },
  }),
};
