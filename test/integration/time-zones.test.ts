// Each entity's days end at its own midnight: an entity in Martinique (UTC−4) or Réunion (UTC+4)
// books, closes its periods and reads its dashboard in its local dates, next to the platform in
// Paris, around midnight and around the days Paris changes its clocks.
import { describe, expect, it } from 'vitest';
import { checkFec } from '../../core/domain/fec.js';
import type { Db } from '../../core/store/db.js';
import { sendAllInvoices } from '../helpers/books.js';
import { basicScenario, call, clocked, err, freshDb, importInto, ok, type Json } from '../helpers/lifecycle.js';

/** An in-store sale at `store` created (and paid, and handed over) at `at`. */
function storeSale(id: string, store: string, at: string, unit = 10000) {
  return {
    id, channel: 'store', origin: store, customer_postcode: null, created_at: at, currency: 'EUR',
    lines: [{ id: '1', sku: `SKU-${id}`, category: 'apparel', kind: 'goods', quantity: 1, unit_price: unit, discount: 0, vat_rate: '0.20', delivery_mode: 'in_store', candidates: [store], pickup_location: null }],
    payments: [{ id: `PAY-${id}`, method: 'card', amount: unit, psp_fee: 0, captured_at: at }],
  };
}

/** The example network with three store sales of its own, none of the example's orders. */
function zoned(): Json {
  const s = basicScenario({ events: false });
  s.orders = [
    storeSale('MQ-MIDNIGHT', 'ST-LYON', '2026-03-01T02:30:00Z'), // 22:30 on 28 Feb in Martinique, 03:30 on 1 March in Paris
    storeSale('MQ-DST', 'ST-LYON', '2026-03-28T23:30:00Z'), // 19:30 on 28 March in Martinique, 00:30 on 29 March in Paris (winter time)
    storeSale('RE-MIDNIGHT', 'ST-VILL', '2026-03-31T21:00:00Z'), // 01:00 on 1 April in Réunion, 23:00 on 31 March in Paris (summer time)
  ];
  return s;
}

function withZones(s: Json): Json {
  for (const e of s.network.entities) {
    if (e.id === 'LYON') e.time_zone = 'America/Martinique';
    if (e.id === 'VILL') e.time_zone = 'Indian/Reunion';
  }
  return s;
}

const dates = (db: Db, order: string) => Object.fromEntries((db.prepare(`SELECT entity, group_concat(DISTINCT entry_date) AS d FROM journal_entries
  WHERE order_id = ? GROUP BY entity`).all(order) as { entity: string; d: string }[]).map((r) => [r.entity, r.d]));

describe('books in each entity\'s time zone', () => {
  // A clock behind the events (an imported history) validates each entry at the start of its local day.
  it.each(['2026-04-10T12:00:00Z', '2026-01-01T00:00:00Z'])('dates each book\'s entries at its own local date (clock at %s)', (now) => {
    const db = freshDb();
    const { ctx } = clocked(db, now);
    importInto(ctx, withZones(zoned()));
    expect(dates(db, 'MQ-MIDNIGHT')).toEqual({ HQ: '2026-03-01', LYON: '2026-02-28' });
    expect(dates(db, 'MQ-DST')).toEqual({ HQ: '2026-03-29', LYON: '2026-03-28' });
    expect(dates(db, 'RE-MIDNIGHT')).toEqual({ HQ: '2026-03-31', VILL: '2026-04-01' });
    // Months and fiscal years follow the local date: VILL's year ends on 30 June.
    const vill = ok(call(ctx, 'journal.entries', { entity: 'VILL', period: '2026-04' }));
    expect(vill.entries.map((e: Json) => `${e.number} ${e.date}`)).toEqual(['VE2026-000001 2026-04-01']);
    // The royalty VILL pays goes on HQ's invoice of March (the supplier's month, in Paris), booked
    // on its issue date in every book; it is issued once March is over (not yet at the early clock).
    const march = ok(call(ctx, 'journal.entries', { entity: 'VILL', period: '2026-03' })).entries.filter((e: Json) => e.journal === 'AC');
    expect(march.map((e: Json) => `${e.date} ${e.piece_ref}`)).toEqual(now > '2026-04' ? ['2026-03-31 FAC-HQ-2026-000002'] : []);
    // Every month's FEC extract passes, validation dates included (never before an entry's local date).
    for (const [entity, month] of [['LYON', '2026-02'], ['LYON', '2026-03'], ['VILL', '2026-04'], ['HQ', '2026-03']] as const) {
      const f = ok(call(ctx, 'exports.fec', { entity, period: month }));
      expect(f.entries).toBeGreaterThan(0);
      const start = `${month}-01`;
      const end = ok(call(ctx, 'journal.periods.list', { entity })).years.flatMap((y: Json) => y.months).find((m: Json) => m.name === month).end;
      expect(checkFec(f.content, { start, end, sequential: false }).issues).toEqual([]);
    }
  });

  it('closes a month once it is over in the entity\'s zone', () => {
    const db = freshDb();
    // 02:00 UTC on 1 April: April in Paris and Réunion, still 31 March in Martinique.
    const clock = clocked(db, '2026-04-01T02:00:00Z');
    importInto(clock.ctx, withZones(zoned()));
    sendAllInvoices(clock.ctx); // HQ's March invoices, issued: its March is over
    ok(call(clock.ctx, 'journal.periods.close', { entity: 'HQ', period: '2026-03' }));
    ok(call(clock.ctx, 'journal.periods.close', { entity: 'VILL', period: '2026-03' }));
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'LYON', period: '2026-03' })).code).toBe('period_not_ended');
    clock.set('2026-04-01T04:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] })); // LYON's March is over: its invoices are issued
    sendAllInvoices(clock.ctx);
    ok(call(clock.ctx, 'journal.periods.close', { entity: 'LYON', period: '2026-03' }));
  });

  it('cuts the dashboard\'s days at the entity\'s midnight, and again after its zone changes', () => {
    const db = freshDb();
    const { ctx } = clocked(db, '2026-04-10T12:00:00Z');
    importInto(ctx, withZones(zoned()));
    const orders = (entity: string, from: string, to: string) => ok(call(ctx, 'dashboard.entity', { entity, from, to })).currencies[0]?.orders ?? 0;
    const days = (entity: string) => ok(call(ctx, 'dashboard.entity', { entity, from: '2026-02-27', to: '2026-04-03' })).currencies[0].daily.map((d: Json) => d.date);
    expect(orders('LYON', '2026-02-28', '2026-03-01')).toBe(1);
    expect(orders('HQ', '2026-02-28', '2026-03-01')).toBe(0);
    expect(orders('HQ', '2026-03-01', '2026-03-02')).toBe(1);
    expect(days('LYON')).toEqual(['2026-02-28', '2026-03-28']);
    expect(days('VILL')).toEqual(['2026-04-01']);
    expect(ok(call(ctx, 'dashboard.entity', { entity: 'LYON' })).time_zone).toBe('America/Martinique');

    const lyon = ok(call(ctx, 'network.entities.list', {})).find((e: Json) => e.id === 'LYON');
    expect(err(call(ctx, 'network.entities.update', { ...lyon, time_zone: 'Europe/Nowhere' })).issues?.[0]).toMatchObject({ path: 'time_zone', code: 'invalid_time_zone' });
    ok(call(ctx, 'network.entities.update', { ...lyon, time_zone: 'Europe/Paris' }));
    expect(days('LYON')).toEqual(['2026-03-01', '2026-03-29']);
    expect(orders('LYON', '2026-02-28', '2026-03-01')).toBe(0);
    // Posted entries keep the dates they were booked on.
    expect(dates(db, 'MQ-MIDNIGHT').LYON).toBe('2026-02-28');
  });
});
