// Daily posting granularity: one entry per entity, journal, day and account set once the day is
// over, its order-level detail in the subledger behind its piece reference; the real hledger
// reads the ledger export; a change of granularity applies from the next open month, and says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFec } from '../../core/domain/fec.js';
import type { Db } from '../../core/store/db.js';
import { identityViolations, numberingGaps, unbalanced } from '../helpers/books.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, call, clocked, dailyScenario, err, freshDb, importInto, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';

const tmp = tempDir('ventil-daily-');
afterAll(() => tmp.cleanup());

function daily(now: string) {
  const db = freshDb();
  const clock = clocked(db, now);
  importInto(clock.ctx, dailyScenario());
  return { db, clock };
}

const healthy = (db: Db) => {
  expect(unbalanced(db)).toEqual([]);
  expect(numberingGaps(db)).toEqual([]);
  expect(identityViolations(db)).toEqual([]);
};

describe('daily books', () => {
  it('post one entry per journal, day and account set, whose piece leads to the orders behind it', () => {
    const { db, clock } = daily('2026-04-01T12:00:00Z');
    healthy(db);
    const days = db.prepare(`SELECT e.entity, e.journal, e.entry_date, group_concat(DISTINCT l.account) AS accounts, count(DISTINCT e.id) AS n
      FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id WHERE e.source_key LIKE 'day:%' GROUP BY e.id, e.entity, e.journal, e.entry_date`).all() as Json[];
    expect(days.length).toBeGreaterThan(5);
    const keys = days.map((d) => `${d.entity} ${d.journal} ${d.entry_date} ${d.accounts.split(',').sort().join(',')}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Orders' and periodic invoices' movements have no entry of their own (decision 0020);
    // transfers keep one each.
    expect(db.prepare("SELECT count(*) FROM journal_entries WHERE order_id IS NOT NULL").pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM invoices').pluck().get()).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM journal_entries WHERE invoice_id IS NOT NULL').pluck().get()).toBe(0);
    const invoiceRows: Json[] = [];
    for (const entity of ['HQ', 'LYON', 'VILL', 'LILLE']) {
      const entries = ok(call(clock.ctx, 'journal.entries', { entity, limit: 1000 })).entries as Json[];
      for (const e of entries.filter((x) => x.event.startsWith('day:'))) {
        expect(e.piece_ref).toMatch(/^(VE|AC|BQ|OD)-2026\d{4}-\d+$/);
        expect(e.label).toContain(`(détail ${e.piece_ref})`);
        const detail = ok(call(clock.ctx, 'journal.detail', { entity, piece: e.piece_ref }));
        expect(detail.entry).toBe(e.number);
        expect(detail.rows.length).toBeGreaterThan(0);
        // The movements add up to the entry, account by account and side by side.
        const sums = (rows: Json[]) => {
          const m = new Map<string, number>();
          for (const r of rows) m.set(`${r.account}${r.aux ? `-${r.aux}` : ''}`, (m.get(`${r.account}${r.aux ? `-${r.aux}` : ''}`) ?? 0) + r.debit - r.credit);
          return Object.fromEntries([...m].filter(([, v]) => v !== 0));
        };
        expect(sums(detail.rows), `${entity} ${e.piece_ref}`).toEqual(sums(e.lines));
        expect(detail.rows.reduce((s: number, r: Json) => s + r.debit, 0)).toBe(e.lines.reduce((s: number, l: Json) => s + l.debit, 0));
        expect(new Set(detail.rows.map((r: Json) => r.order)).size).toBeGreaterThan(0);
        invoiceRows.push(...(detail.rows as Json[]).filter((r) => r.invoice !== null));
      }
    }
    // Each invoice is a piece of the day's entry, traceable from its movements: number and label.
    const numbers = db.prepare('SELECT number FROM invoices').pluck().all() as string[];
    expect(new Set(invoiceRows.map((r) => r.invoice))).toEqual(new Set(numbers));
    for (const r of invoiceRows) {
      expect(r.order).toBeNull();
      expect(r.fact).toBe('invoice');
      expect(r.label).toContain(r.invoice);
    }
    expect(err(call(clock.ctx, 'journal.detail', { entity: 'HQ', piece: 'VE-20260302-9' })).code).toBe('not_found');
  });

  it('keep a day\'s movements in the subledger until the day is over', () => {
    const { db, clock } = daily('2026-04-01T12:00:00Z');
    const entries = () => db.prepare('SELECT count(*) FROM journal_entries').pluck().get() as number;
    const before = entries();
    clock.set('2026-04-02T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-DAY', '2026-04-02T09:30:00Z', ['ST-LYON'])] }));
    expect(entries()).toBe(before);
    expect(db.prepare("SELECT count(*) FROM daily_batches WHERE entry_id IS NULL AND entry_date = '2026-04-02'").pluck().get()).toBeGreaterThan(0);
    healthy(db); // the identities count the movements still waiting
    clock.set('2026-04-02T21:59:00Z'); // 23:59 in Paris
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    expect(entries()).toBe(before);
    clock.set('2026-04-02T22:01:00Z');
    expect(ok(call(clock.ctx, 'journal.post', { orders: [] })).entries).toBeGreaterThan(0);
    expect(db.prepare('SELECT count(*) FROM daily_batches WHERE entry_id IS NULL').pluck().get()).toBe(0);
    healthy(db);
  });

  it('give the movements of a day already written the day\'s next pieces', () => {
    const { db, clock } = daily('2026-04-01T12:00:00Z');
    clock.set('2026-04-02T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-DAY', '2026-04-02T09:30:00Z', ['ST-LYON'])] }));
    clock.set('2026-04-02T22:01:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const pieces = () => db.prepare("SELECT entity, journal, piece_ref FROM journal_entries WHERE source_key LIKE 'day:%' AND entry_date = '2026-04-02' ORDER BY id").all() as Json[];
    const first = pieces();
    expect(first.length).toBeGreaterThan(0);
    // An order of the same day arrives once its entries are written: its batches are the day's next.
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-LATE', '2026-04-02T15:00:00Z', ['ST-LYON'])] }));
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const later = pieces().slice(first.length);
    expect(later.length).toBeGreaterThan(0);
    const rank = (p: Json) => Number(p.piece_ref.split('-')[2]);
    for (const p of later) {
      const before = first.filter((f) => f.entity === p.entity && f.journal === p.journal);
      expect(before.length, `${p.entity} ${p.piece_ref}`).toBeGreaterThan(0);
      expect(rank(p), `${p.entity} ${p.piece_ref}`).toBeGreaterThan(Math.max(...before.map(rank)));
    }
    const keys = pieces().map((p) => `${p.entity} ${p.piece_ref}`);
    expect(new Set(keys).size).toBe(keys.length);
    healthy(db);
  });

  it('export a FEC extract and a ledger that the real hledger checks and balances like Ventil', () => {
    const { db, clock } = daily('2026-04-01T12:00:00Z');
    for (const entity of ['HQ', 'LYON', 'VILL', 'LILLE']) {
      const fec = ok(call(clock.ctx, 'exports.fec', { entity, period: '2026-03' }));
      expect(checkFec(fec.content, { start: '2026-03-01', end: '2026-03-31', sequential: false }).issues).toEqual([]);
      const f = ok(call(clock.ctx, 'exports.ledger', { entity, period: '2026-03' }));
      const file = join(tmp.dir, f.name);
      writeFileSync(file, Buffer.from(f.base64, 'base64'));
      const check = spawnSync('hledger', ['-f', file, 'check', '--strict', 'ordereddates'], { encoding: 'utf8' });
      expect(check.error, 'hledger is not installed: apt-get install -y hledger').toBeUndefined();
      expect(check.stderr, entity).toBe('');
      const csv = execFileSync('hledger', ['-f', file, 'bal', '-O', 'csv', '--no-total'], { encoding: 'utf8' });
      const fromHledger = Object.fromEntries(csv.trim().split('\n').slice(1).map((l) => {
        const [account, amount] = l.split(',').map((x) => x.replace(/"/g, '')) as [string, string];
        return [account, Math.round(Number(amount.replace(/ EUR$/, '')) * 100)];
      }).filter(([, v]) => v !== 0));
      const tb = ok(call(clock.ctx, 'journal.trialBalance', { entity, period: '2026-03' }));
      expect(fromHledger, entity).toEqual(Object.fromEntries((tb.rows as Json[]).filter((r) => r.debit !== r.credit).map((r) => [r.account, r.debit - r.credit])));
    }
    db.close();
  });
});

describe('changing the posting granularity', () => {
  it('applies from the next open month, and says so; an entity with empty books changes from the start', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-02T08:00:00Z');
    importInto(clock.ctx, basicScenario());
    const entity = (id: string) => ok(call(clock.ctx, 'network.entities.list', {})).find((e: Json) => e.id === id);
    const changed = ok(call(clock.ctx, 'network.entities.update', { ...entity('LYON'), posting: 'daily' }));
    expect(changed.posting).toBe('daily');
    expect(changed.notices).toEqual(['posting granularity daily applies from 2026-05, the next open month; LYON\'s books until then keep their granularity']);
    // April's events stay detailed; May's go to LYON's daily books.
    clock.set('2026-04-20T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-APR', '2026-04-20T09:00:00Z', ['ST-LYON'])] }, ['LYON']));
    ok(call(clock.ctx, 'events.submit', { events: [{ type: 'line_shipped', order: 'W-APR', line: '1', at: '2026-04-20T12:00:00Z' }] }));
    clock.set('2026-05-10T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-MAY', '2026-05-10T09:00:00Z', ['ST-LYON'])] }, ['LYON']));
    ok(call(clock.ctx, 'events.submit', { events: [{ type: 'line_shipped', order: 'W-MAY', line: '1', at: '2026-05-10T09:30:00Z' }] }));
    clock.set('2026-05-11T10:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const lyon = (order: string) => db.prepare("SELECT count(*) FROM journal_entries WHERE entity = 'LYON' AND order_id = ?").pluck().get(order);
    expect(lyon('W-APR')).toBeGreaterThan(0);
    expect(lyon('W-MAY')).toBe(0);
    expect(db.prepare("SELECT count(*) FROM journal_entries WHERE entity = 'LYON' AND source_key LIKE 'day:%' AND entry_date = '2026-05-10'").pluck().get()).toBeGreaterThan(0);
    // The platform keeps its detailed books for the same order.
    expect(db.prepare("SELECT count(*) FROM journal_entries WHERE entity = 'HQ' AND order_id = 'W-MAY'").pluck().get()).toBeGreaterThan(0);
    healthy(db);
    // A new entity has nothing in its books: its granularity applies from the start.
    ok(call(clock.ctx, 'network.entities.create', { ...entity('LILLE'), id: 'NICE', name: 'Nice', psp_account: null, erp_code: null }));
    expect(ok(call(clock.ctx, 'network.entities.update', { ...entity('NICE'), posting: 'daily' })).notices).toEqual(['posting granularity daily applies from the start (NICE has nothing in its books yet)']);
  });
});
