// The synchronous PostgreSQL connection against a real server: answers in order, failures of
// statements sent without waiting surface at the next wait, a failed transaction leaves nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgError, SyncPg } from '../../../core/store/pg/sync-pg.js';
import { postgresTestsRun, sharedPostgres, type TestPostgres } from '../../helpers/postgres.js';

const installed = postgresTestsRun('sync-pg.test');

describe.skipIf(!installed)('SyncPg', () => {
  let server: TestPostgres;
  let db: SyncPg;
  beforeAll(() => {
    server = sharedPostgres();
    db = new SyncPg(server.createDatabase('syncpg'));
    db.run('CREATE TABLE t (id TEXT PRIMARY KEY, amount BIGINT NOT NULL)');
  });
  afterAll(() => { db?.close(); });

  it('returns rows synchronously, bigints as numbers when exact', () => {
    expect(db.query('SELECT 1 AS x, 9007199254740991::bigint AS y, 9007199254740993::bigint AS z')).toEqual([{ x: 1, y: 9007199254740991, z: '9007199254740993' }]);
    expect(db.query('SELECT $1::text AS a', ['é'], 'array')).toEqual([['é']]);
  });

  it('keeps the order of statements sent without waiting', () => {
    db.transaction(() => {
      for (let i = 0; i < 50; i++) db.send('INSERT INTO t VALUES ($1, $2)', [`k${i}`, i]);
      db.send('UPDATE t SET amount = amount * 2 WHERE id = $1', ['k49']);
    });
    expect(db.query('SELECT count(*)::int AS n, sum(amount)::bigint AS s FROM t')).toEqual([{ n: 50, s: 1225 + 49 }]);
  });

  it('rolls back the whole transaction when a pipelined statement failed', () => {
    expect(() => db.transaction(() => {
      db.send('INSERT INTO t VALUES ($1, $2)', ['new', 1]);
      db.send('INSERT INTO t VALUES ($1, $2)', ['k1', 1]); // duplicate key
      db.send('INSERT INTO t VALUES ($1, $2)', ['newer', 1]);
    })).toThrow(PgError);
    expect(db.query('SELECT id FROM t WHERE id IN ($1, $2)', ['new', 'newer'])).toEqual([]);
    // The connection is usable afterwards.
    expect(db.run('UPDATE t SET amount = amount WHERE id = $1', ['k1'])).toBe(1);
  });

  it('names the SQLSTATE of a failure', () => {
    try {
      db.query('SELECT * FROM no_such_table');
      expect.unreachable();
    } catch (e) {
      expect((e as PgError).code).toBe('42P01');
    }
  });

  it('refuses a server that is not there, with a named error', () => {
    expect(() => new SyncPg('postgres://postgres@localhost/x?host=/nonexistent')).toThrow(/cannot connect to PostgreSQL/);
  });
});
