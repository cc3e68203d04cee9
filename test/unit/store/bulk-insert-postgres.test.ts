// bulkInsert on PostgreSQL writes chunks as INSERT ... SELECT FROM unnest(typed arrays): rows in
// order across chunks, NULLs kept, the ON CONFLICT tail applied, a column the table lacks named.
// A chunk that holds one key twice gives the same rows on both dialects: SQLite applies the
// clause row by row; PostgreSQL refuses a DO UPDATE that touches a row twice in one statement,
// so the rows are merged first (accumulate) or written in rounds (any other DO UPDATE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyTable } from '../../../core/api/movement-keys.js';
import { monthSumKey } from '../../../core/domain/periodic-invoices.js';
import { bulkInsert, type Accumulate } from '../../../core/store/bulk-insert.js';
import { openDatabase } from '../../../core/store/database.js';
import type { Db } from '../../../core/store/db.js';
import { monthTotals } from '../../../core/store/invoice-repo.js';
import { PgDatabase } from '../../../core/store/pg/pg-database.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { freshPostgresUrl, postgresTestsRun, sharedPostgres } from '../../helpers/postgres.js';

const installed = postgresTestsRun('bulk-insert-postgres.test');

describe.skipIf(!installed)('bulkInsert on PostgreSQL', () => {
  let db: PgDatabase;
  beforeAll(() => {
    db = new PgDatabase(sharedPostgres().createDatabase('bulk'));
    db.exec('CREATE TABLE t (id BIGINT PRIMARY KEY, label TEXT, amount BIGINT NOT NULL, rate DOUBLE PRECISION)');
  });
  afterAll(() => { db?.close(); });

  it('writes rows across chunks, in order, with NULLs and the conflict clause', () => {
    const put = bulkInsert(db, 'INSERT INTO t (id, label, amount, rate) VALUES', 4, { tail: 'ON CONFLICT (id) DO UPDATE SET amount = t.amount + excluded.amount' });
    db.transaction(() => {
      for (let i = 1; i <= 12_001; i++) put.add([i, i % 2 ? `r${i}` : null, i, i / 4]);
      put.flush();
    })();
    expect(db.prepare('SELECT count(*) AS n, sum(amount) AS s, count(label) AS labels, max(rate) AS r FROM t').get())
      .toEqual({ n: 12_001, s: 12_001 * 12_002 / 2, labels: 6_001, r: 12_001 / 4 });
    put.add([7, 'again', 100, null]);
    put.flush();
    expect(db.prepare('SELECT label, amount FROM t WHERE id = 7').get()).toEqual({ label: 'r7', amount: 107 });
  });

  it('names a column the table does not have', () => {
    const put = bulkInsert(db, 'INSERT INTO t (id, nope) VALUES', 2);
    put.add([1, 2]);
    expect(() => put.flush()).toThrow('bulk insert: t has no column nope');
  });
});

// The same writes on SQLite and, when installed, PostgreSQL: the stored rows must be the same.
const SUMS = `CREATE TABLE sums (a TEXT NOT NULL, b TEXT, n BIGINT NOT NULL, m BIGINT NOT NULL, last TEXT)`;
const SUMS_KEY = 'CREATE UNIQUE INDEX sums_key ON sums (a, b)';
const LAST = 'CREATE TABLE last_wins (k TEXT PRIMARY KEY, v BIGINT NOT NULL, note TEXT)';
const ACC: Accumulate = { key: ['a', 'b'], add: ['n', 'm'], max: ['last'] };

function dialects(): [string, () => Db][] {
  const list: [string, () => Db][] = [['SQLite', () => openDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db]];
  if (installed) list.push(['PostgreSQL', () => openDatabase({ file: freshPostgresUrl((url) => openDatabase({ file: url, now: () => FROZEN_NOW }).db.close()), now: () => FROZEN_NOW }).db]);
  return list;
}

describe.each(dialects())('a chunk that holds a key twice, on %s', (_name, open) => {
  let db: Db;
  beforeAll(() => {
    db = open();
    db.exec(`${SUMS}; ${SUMS_KEY}; ${LAST}`);
  });
  afterAll(() => { db?.close(); });

  it('adds the rows of a key up, within a chunk, across chunks and onto stored rows (a NULL in the key never conflicts)', () => {
    const put = bulkInsert(db, 'INSERT INTO sums (a, b, n, m, last) VALUES', 5, { accumulate: ACC });
    db.transaction(() => {
      // 12,000 rows over 3 keys (more than a PostgreSQL chunk of 5,000), twice a row whose b is NULL.
      for (let i = 0; i < 12_000; i++) put.add([`k${i % 3}`, 'x', 1, i, i % 7 === 0 ? null : `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`]);
      put.add(['k0', null, 5, 5, null]);
      put.add(['k0', null, 6, 6, '2026-02-01']);
      put.flush();
    })();
    put.add(['k1', 'x', 10, 10, '2026-03-01']);
    put.add(['k1', 'x', 1, 1, null]);
    put.add(['k2', 'x', 2, 2, null]);
    put.flush();
    const sumOf = (r: number) => Array.from({ length: 4000 }, (_, j) => 3 * j + r).reduce((s, v) => s + v, 0);
    expect(db.prepare("SELECT a, b, n, m, last FROM sums ORDER BY a, coalesce(b, ''), n").raw().all()).toEqual([
      ['k0', null, 5, 5, null],
      ['k0', null, 6, 6, '2026-02-01'],
      ['k0', 'x', 4000, sumOf(0), '2026-01-28'],
      ['k1', 'x', 4011, sumOf(1) + 11, '2026-03-01'],
      ['k2', 'x', 4002, sumOf(2) + 2, '2026-01-28'],
    ]);
  });

  it('applies any other DO UPDATE row by row: the last row of a key wins, its untouched columns kept from the first', () => {
    const put = bulkInsert(db, 'INSERT INTO last_wins (k, v, note) VALUES', 3, { tail: 'ON CONFLICT (k) DO UPDATE SET v = excluded.v' });
    db.transaction(() => {
      for (let i = 0; i < 300; i++) put.add([`k${i % 4}`, i, `first ${i}`]);
      put.flush();
    })();
    expect(db.prepare('SELECT k, v, note FROM last_wins ORDER BY k').raw().all()).toEqual([
      ['k0', 296, 'first 0'], ['k1', 297, 'first 1'], ['k2', 298, 'first 2'], ['k3', 299, 'first 3'],
    ]);
  });

  it('writes month sums held by key, and adds a later write to them (invoice_totals)', () => {
    const keys = new KeyTable();
    const march = keys.id(monthSumKey({ supplier: 'S', customer: 'C', currency: 'EUR', month: '2026-03', kind: 'invoice', group: 'g', rate: '0.2' }));
    const april = keys.id(monthSumKey({ supplier: 'S', customer: 'C', currency: 'EUR', month: '2026-04', kind: 'invoice', group: 'g', rate: '0.2' }));
    const sums = monthTotals(db, keys);
    for (const [k, base] of [[march, 100], [march, 250], [april, 5], [march, 50]] as const) sums.add(k, base, base, base / 5, 1);
    expect(sums.size).toBe(2);
    sums.write();
    expect(sums.pending).toBe(0);
    sums.add(march, 600, 600, 120, 1);
    sums.write();
    expect(db.prepare('SELECT month, base, net, vat, items FROM invoice_totals ORDER BY month').raw().all())
      .toEqual([['2026-03', 1000, 1000, 200, 4], ['2026-04', 5, 5, 1, 1]]);
  });

  it('keeps every month sum as the held rows grow past their capacity', () => {
    const keys = new KeyTable();
    const sums = monthTotals(db, keys);
    const key = (i: number) => keys.id(monthSumKey({ supplier: `S${i}`, customer: 'C', currency: 'EUR', month: '2026-05', kind: 'invoice', group: 'g', rate: '0.2' }));
    for (let round = 1; round <= 2; round++) for (let i = 0; i < 300; i++) sums.add(key(i), i * round, i, 0, 1);
    expect(sums.list().slice(0, 3).map((t) => [t.supplier, t.base, t.net, t.items])).toEqual([['S0', 0, 0, 2], ['S1', 3, 2, 2], ['S2', 6, 4, 2]]);
    sums.write();
    expect(db.prepare("SELECT count(*), sum(base), sum(net), sum(items) FROM invoice_totals WHERE month = '2026-05'").raw().get()).toEqual([300, 3 * 44_850, 2 * 44_850, 600]);
  });

  it('refuses an accumulate that does not say how to merge a column', () => {
    expect(() => bulkInsert(db, 'INSERT INTO sums (a, b, n, m, last) VALUES', 5, { accumulate: { key: ['a', 'b'], add: ['n'] } }))
      .toThrow('bulk insert: accumulate says neither how to merge nor whether a key: m, last');
  });
});
