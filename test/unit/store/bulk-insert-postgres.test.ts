// bulkInsert on PostgreSQL writes chunks as INSERT ... SELECT FROM unnest(typed arrays): rows in
// order across chunks, NULLs kept, the ON CONFLICT tail applied, a column the table lacks named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkInsert } from '../../../core/store/bulk-insert.js';
import { PgDatabase } from '../../../core/store/pg/pg-database.js';
import { postgresTestsRun, startPostgres, type TestPostgres } from '../../helpers/postgres.js';

const installed = postgresTestsRun('bulk-insert-postgres.test');

describe.skipIf(!installed)('bulkInsert on PostgreSQL', () => {
  let server: TestPostgres;
  let db: PgDatabase;
  beforeAll(() => {
    server = startPostgres();
    db = new PgDatabase(server.createDatabase('bulk'));
    db.exec('CREATE TABLE t (id BIGINT PRIMARY KEY, label TEXT, amount BIGINT NOT NULL, rate DOUBLE PRECISION)');
  });
  afterAll(() => { db?.close(); server?.stop(); });

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
