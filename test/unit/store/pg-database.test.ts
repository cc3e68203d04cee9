// The PostgreSQL connection behind the store's Db interface, against a real server: SQLite's
// placeholders, row shapes and statement modes, and better-sqlite3's transaction semantics.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf } from '../../../core/store/dialect.js';
import { CURSOR_BATCH, PgDatabase, translatePlaceholders } from '../../../core/store/pg/pg-database.js';
import { PgError } from '../../../core/store/pg/sync-pg.js';
import { postgresTestsRun, sharedPostgres, type TestPostgres } from '../../helpers/postgres.js';

describe('translatePlaceholders', () => {
  it('numbers ? in order and names once each, leaving strings, identifiers, comments, casts and dollar quotes alone', () => {
    expect(translatePlaceholders(`SELECT ?, '?', "a?" , ?::text -- ?\n FROM t WHERE x = ? /* ? */`).text)
      .toBe(`SELECT $1, '?', "a?" , $2::text -- ?\n FROM t WHERE x = $3 /* ? */`);
    const t = translatePlaceholders('UPDATE t SET a = @a, b = :b WHERE id = $id AND a <> @a AND c = $$:x$$ AND d = $1');
    expect(t.text).toBe('UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1 AND c = $$:x$$ AND d = $1');
    expect(t.slots).toEqual(['a', 'b', 'id']);
    expect(translatePlaceholders('SELECT $2, $1, $10').slots).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

const installed = postgresTestsRun('pg-database.test');

describe.skipIf(!installed)('PgDatabase', () => {
  let server: TestPostgres;
  let db: PgDatabase;
  beforeAll(() => {
    server = sharedPostgres();
    db = new PgDatabase(server.createDatabase('pgdatabase'));
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, amount BIGINT NOT NULL); CREATE TABLE n (id SERIAL PRIMARY KEY, v TEXT)');
  });
  afterAll(() => { db?.close(); });

  it('says it is PostgreSQL', () => {
    expect(dialectOf(db)).toBe('postgres');
  });

  it('binds positional and named parameters and returns rows as SQLite would', () => {
    expect(db.prepare('INSERT INTO t VALUES (?, ?)').run('a', 5)).toEqual({ changes: 1 });
    db.prepare('INSERT INTO t VALUES (@id, @amount)').run({ id: 'b', amount: 7 });
    db.prepare('INSERT INTO t VALUES (?, ?)').run(['c', 9]);
    expect(db.prepare('SELECT sum(amount) AS s, count(*) AS n, bool_and(amount > 0) AS pos, amount > 6 AS big FROM t GROUP BY 4 ORDER BY 4').all())
      .toEqual([{ s: 5, n: 1, pos: 1, big: 0 }, { s: 16, n: 2, pos: 1, big: 1 }]);
    expect(db.prepare('SELECT id FROM t ORDER BY id').pluck().all()).toEqual(['a', 'b', 'c']);
    expect(db.prepare('SELECT id, amount FROM t WHERE id = :id').raw().get({ id: 'b' })).toEqual(['b', 7]);
    expect(db.prepare('SELECT id FROM t WHERE id = ?').get('zz')).toBeUndefined();
    expect([...db.prepare('SELECT id FROM t WHERE amount > ? ORDER BY id').pluck().iterate(6)]).toEqual(['b', 'c']);
    expect(db.prepare('INSERT INTO n (v) VALUES (?) RETURNING id').pluck().get('x')).toBe(1);
    expect(db.prepare('UPDATE t SET amount = amount + 1').run()).toEqual({ changes: 3 });
  });

  it('refuses missing parameters by name', () => {
    expect(() => db.prepare('SELECT @x').get({})).toThrow(/Missing named parameter "x"/);
    expect(() => db.prepare('SELECT ?, ?').get(1)).toThrow(RangeError);
  });

  it('commits a transaction, and rolls back a nested one alone when it throws', () => {
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    const outer = db.transaction(() => {
      insert.run('t1', 1);
      expect(db.inTransaction).toBe(true);
      expect(() => db.transaction(() => { insert.run('t2', 1); throw new Error('inner'); })()).toThrow('inner');
      db.transaction(() => insert.run('t3', 1)).immediate();
      return 'done';
    });
    expect(outer.immediate()).toBe('done');
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT id FROM t WHERE id LIKE 't%' ORDER BY id").pluck().all()).toEqual(['t1', 't3']);
  });

  it('does not commit a transaction in which a failure was caught: the commit throws it', () => {
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    expect(() => db.transaction(() => {
      insert.run('u1', 1);
      try { insert.run('a', 1); } catch { /* duplicate key, swallowed */ }
    })()).toThrow(PgError);
    expect(db.prepare("SELECT count(*) FROM t WHERE id = 'u1'").pluck().get()).toBe(0);
    // A failure caught inside a savepoint that rolled back leaves the outer transaction usable.
    db.transaction(() => {
      insert.run('u2', 1);
      expect(() => db.transaction(() => insert.run('a', 1))()).toThrow(PgError);
      insert.run('u3', 1);
    })();
    expect(db.prepare("SELECT id FROM t WHERE id LIKE 'u%' ORDER BY id").pluck().all()).toEqual(['u2', 'u3']);
  });

  it('counts a transaction opened with exec(\'BEGIN\') as one: transaction(fn) inside it is a savepoint its ROLLBACK undoes', () => {
    const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
    db.exec('BEGIN');
    expect(db.inTransaction).toBe(true);
    db.transaction(() => insert.run('v1', 1))();
    expect(db.inTransaction).toBe(true);
    db.exec('ROLLBACK');
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT count(*) FROM t WHERE id = 'v1'").pluck().get()).toBe(0);
    db.exec('BEGIN');
    db.transaction(() => insert.run('v2', 1))();
    db.exec('COMMIT');
    expect(db.prepare("SELECT id FROM t WHERE id LIKE 'v%'").pluck().all()).toEqual(['v2']);
    // COMMIT of a transaction a failure aborted rolls it back on PostgreSQL: the commit throws that failure.
    db.exec('BEGIN');
    insert.run('v3', 1);
    expect(() => insert.run('a', 1)).toThrow(PgError);
    expect(() => db.exec('COMMIT')).toThrow(/duplicate key/);
    expect(db.inTransaction).toBe(false);
    expect(db.prepare("SELECT id FROM t WHERE id LIKE 'v%'").pluck().all()).toEqual(['v2']);
    // One exec that opens and ends leaves no transaction behind.
    db.exec("BEGIN; INSERT INTO t VALUES ('v4', 1); COMMIT");
    expect(db.inTransaction).toBe(false);
  });

  it('iterates through a server-side cursor, a batch at a time, inside a transaction or not, and closes it when left early', () => {
    db.exec(`CREATE TABLE big (n BIGINT PRIMARY KEY); INSERT INTO big SELECT generate_series(1, ${2 * CURSOR_BATCH + 5})`);
    const stmt = db.prepare('SELECT n FROM big WHERE n > ? ORDER BY n');
    const cursors = db.prepare('SELECT count(*) FROM pg_cursors').pluck();
    let seen = 0;
    let openWhileIterating = 0;
    for (const n of stmt.pluck().iterate(5) as IterableIterator<number>) {
      if (++seen === CURSOR_BATCH + 1) openWhileIterating = cursors.get() as number;
      expect(n).toBe(seen + 5);
    }
    expect(seen).toBe(2 * CURSOR_BATCH);
    expect(openWhileIterating).toBe(1);
    expect(cursors.get()).toBe(0);
    db.transaction(() => {
      const rows = stmt.raw().iterate(0) as IterableIterator<[number]>;
      expect(rows.next().value).toEqual([1]);
      // Another statement between two rows, as SQLite allows for reads.
      expect(db.prepare('SELECT count(*) FROM big').pluck().get()).toBe(2 * CURSOR_BATCH + 5);
      for (const [n] of rows) if (n === 10) break;
      expect(cursors.get()).toBe(0);
    })();
    expect([...(db.prepare('SELECT n FROM big WHERE n <= ? ORDER BY n').iterate(2) as IterableIterator<unknown>)]).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
