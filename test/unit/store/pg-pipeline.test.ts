// Statements sent without waiting (DbStatement.send, what bulkInsert's chunks use on
// PostgreSQL): inside a transaction the bridge pipelines them; a failure is thrown by the next
// statement that waits, by the end of the enclosing savepoint (which then rolls back, as for any
// failure in it) or by the commit, so nothing of the transaction is half written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkInsert } from '../../../core/store/bulk-insert.js';
import { PgDatabase } from '../../../core/store/pg/pg-database.js';
import { PgError } from '../../../core/store/pg/sync-pg.js';
import { postgresTestsRun, sharedPostgres } from '../../helpers/postgres.js';

const installed = postgresTestsRun('pg-pipeline.test');

describe.skipIf(!installed)('statements sent without waiting', () => {
  let db: PgDatabase;
  beforeAll(() => {
    db = new PgDatabase(sharedPostgres().createDatabase('pipeline'));
    db.exec('CREATE TABLE p (id BIGINT PRIMARY KEY, v TEXT)');
  });
  afterAll(() => { db?.close(); });
  const ids = () => db.prepare('SELECT id FROM p ORDER BY id').pluck().all();

  it('runs in order and is read back by the next query of the transaction', () => {
    const put = db.prepare('INSERT INTO p (id, v) VALUES (?, ?)');
    db.transaction(() => {
      put.send!(1, 'a');
      put.send!(2, 'b');
      expect(db.prepare('SELECT count(*) FROM p').pluck().get()).toBe(2);
      put.send!(3, 'c');
    })();
    expect(ids()).toEqual([1, 2, 3]);
    // Outside a transaction it waits: the failure reaches its caller.
    expect(() => put.send!(1, 'again')).toThrow(PgError);
    db.exec('DELETE FROM p');
  });

  it('fails the commit when a pipelined chunk failed, and writes nothing of the transaction', () => {
    const put = bulkInsert(db, 'INSERT INTO p (id, v) VALUES', 2);
    db.exec("INSERT INTO p VALUES (7, 'stored')");
    expect(() => db.transaction(() => {
      for (let i = 1; i <= 12_000; i++) put.add([i + 100, 'x']);
      put.add([7, 'duplicate']);
      put.flush();
    })()).toThrow(/duplicate key/);
    expect(ids()).toEqual([7]);
    db.exec('DELETE FROM p');
  });

  it('rolls back only the savepoint whose pipelined chunk failed', () => {
    const put = bulkInsert(db, 'INSERT INTO p (id, v) VALUES', 2);
    db.transaction(() => {
      put.add([1, 'kept']);
      put.flush();
      expect(() => db.transaction(() => { put.add([2, 'inner']); put.add([1, 'duplicate']); put.flush(); })()).toThrow(/duplicate key/);
      put.add([3, 'kept']);
      put.flush();
    })();
    expect(ids()).toEqual([1, 3]);
  });
});
