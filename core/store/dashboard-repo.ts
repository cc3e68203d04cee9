// Reads of an entity's dashboard: the day totals kept with the settlement (day-totals.ts), and,
// for the days that still hold shares released after now, those shares exactly.
import { all, qb } from './query.js';
import type { Sqlite } from './sqlite.js';

export interface DayRange { entity: string; from?: string; to?: string }

function totalsQuery(r: DayRange) {
  let q = qb.selectFrom('entity_day_totals').where('entity', '=', r.entity);
  if (r.from) q = q.where('day', '>=', r.from);
  if (r.to) q = q.where('day', '<', r.to);
  return q;
}

/** Per currency: orders, owned lines and sales, payout, fees, shares not yet scheduled. */
export function currencyTotals(db: Sqlite, r: DayRange) {
  return all(db, totalsQuery(r).select((eb) => [
    'currency',
    eb.fn.sum<number>('orders').as('orders'), eb.fn.sum<number>('lines_owned').as('lines_owned'),
    eb.fn.sum<number>('sales_gross').as('sales_gross'), eb.fn.sum<number>('sales_net').as('sales_net'),
    eb.fn.sum<number>('returned_gross').as('returned_gross'), eb.fn.sum<number>('payout').as('payout'),
    eb.fn.sum<number>('fees').as('fees'), eb.fn.sum<number>('unscheduled').as('unscheduled'),
  ]).groupBy('currency').orderBy('currency'));
}

/** Per currency and day with orders: payout and the gross of the lines the entity owns. */
export function dailyTotals(db: Sqlite, r: DayRange) {
  return all(db, totalsQuery(r).select(['currency', 'day', 'payout', 'owned_gross']).where('orders', '>', 0).orderBy('day').orderBy('currency'));
}

/** Days whose line shares are not all released at `now`, with what the totals hold for them. */
export function openDays(db: Sqlite, r: DayRange, now: string) {
  return all(db, totalsQuery(r).select(['currency', 'day', 'payout', 'unscheduled']).where('last_release_at', '>', now).orderBy('day'));
}

/** Legs earned and paid per currency and rule group. */
export function legTotals(db: Sqlite, r: DayRange) {
  let q = qb.selectFrom('entity_day_legs').where('entity', '=', r.entity);
  if (r.from) q = q.where('day', '>=', r.from);
  if (r.to) q = q.where('day', '<', r.to);
  return all(db, q.select((eb) => [
    'currency', 'group_name',
    eb.fn.sum<number>('earned').as('earned'), eb.fn.sum<number>('earned_vat').as('earned_vat'),
    eb.fn.sum<number>('paid').as('paid'), eb.fn.sum<number>('paid_vat').as('paid_vat'),
    eb.fn.sum<number>('earn_legs').as('earn_legs'), eb.fn.sum<number>('pay_legs').as('pay_legs'),
  ]).groupBy(['currency', 'group_name']).orderBy('group_name').orderBy('currency'));
}

/**
 * The entity's current shares of the orders it is a party to, created in [fromAt, toAt) (UTC
 * instants), with each order's creation time.
 */
export function sharesCreatedBetween(db: Sqlite, entity: string, fromAt: string, toAt: string) {
  return all(db, qb.selectFrom('order_parties as p')
    .innerJoin('settlements as s', 's.order_id', 'p.order_id')
    .innerJoin('entity_shares as x', (j) => j.onRef('x.order_id', '=', 's.order_id').onRef('x.revision', '=', 's.revision').on('x.entity', '=', entity))
    .select(['p.created_at', 'x.currency', 'x.kind', 'x.amount', 'x.release_at'])
    .where('p.entity', '=', entity).where('p.created_at', '>=', fromAt).where('p.created_at', '<', toAt)
    .orderBy('p.created_at'));
}
