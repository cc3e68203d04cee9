// Opening a PostgreSQL database by URL: migrations applied in order, a database with data refused
// until the operator confirms a backup (naming pg_dump), a database newer than this build refused
// as on SQLite, and no SQLite key on a PostgreSQL URL.
import { beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { DatabaseError, openDatabase, redactedUrl } from '../../../core/store/database.js';
import { postgresTestsRun, sharedPostgres, type TestPostgres } from '../../helpers/postgres.js';

const installed = postgresTestsRun('database-postgres.test');

const NOW = () => new Date('2026-04-01T12:00:00Z');
const failure = (f: () => unknown) => { try { f(); } catch (e) { return e as DatabaseError; } throw new Error('did not throw'); };

describe.skipIf(!installed)('openDatabase on PostgreSQL', () => {
  let server: TestPostgres;
  let url: string;
  beforeAll(() => {
    server = sharedPostgres();
    url = server.createDatabase('opened');
  });

  it('applies the migrations of an empty database', () => {
    const { db, migrated } = openDatabase({ file: url, migrations: migrations.slice(0, 3), now: NOW });
    expect(migrated).toEqual({ applied: migrations.slice(0, 3).map((m) => m.name), backup: null });
    expect(db.prepare('SELECT name FROM schema_migrations ORDER BY name').pluck().all()).toEqual(migrations.slice(0, 3).map((m) => m.name));
    db.close();
  });

  it('refuses to migrate a database with data until the operator says a backup exists', () => {
    const e = failure(() => openDatabase({ file: url, migrations: migrations.slice(0, 4), now: NOW }));
    expect(e).toBeInstanceOf(DatabaseError);
    expect(e.code).toBe('backup_required');
    expect(e.message).toMatch(new RegExp(`pg_dump .*before-${migrations[3]!.name}.*--i-have-a-backup`));
    const { db, migrated } = openDatabase({ file: url, migrations: migrations.slice(0, 4), now: NOW, backupConfirmed: true });
    expect(migrated.applied).toEqual([migrations[3]!.name]);
    db.close();
  });

  it('gives SQLite\'s functions their SQLite results', () => {
    const { db } = openDatabase({ file: url, readonly: true });
    expect(db.prepare(`SELECT json_extract('{"a":{"b":[5,"x"]}}', '$.a.b[1]') AS path, json_extract('[["s","c"]]', '$[0][1]') AS nested,
      json_quote('a"b') AS quoted, instr('abc', 'c') AS at, max(3, 7) AS hi, min('b', 'a') AS lo, max(1, NULL) AS none`).get())
      .toEqual({ path: 'x', nested: 'c', quoted: '"a\\"b"', at: 3, hi: 7, lo: 'a', none: null });
    expect(db.prepare(`SELECT key, value FROM json_each('[10,"b",[1]]')`).all()).toEqual([{ key: '0', value: '10' }, { key: '1', value: 'b' }, { key: '2', value: '[1]' }]);
    expect(db.prepare(`SELECT key, value FROM json_each('{"k":"v"}')`).all()).toEqual([{ key: 'k', value: 'v' }]);
    expect(db.prepare(`SELECT group_concat(v) AS plain, group_concat(DISTINCT v) AS once, group_concat(n, ' | ') AS numbers, group_concat(NULL::text) AS none
      FROM (VALUES ('a', 1), ('b', NULL), ('a', 3)) AS t(v, n)`).get()).toEqual({ plain: 'a,b,a', once: 'a,b', numbers: '1 | 3', none: null });
    db.close();
  });

  it('refuses a database migrated by a newer Ventil, as on SQLite', () => {
    expect(failure(() => openDatabase({ file: url, migrations: migrations.slice(0, 2), now: NOW })).code).toBe('db_too_new');
  });

  it('refuses a SQLite key, and hides a password in messages', () => {
    expect(failure(() => openDatabase({ file: url, key: 'a key of sixteen chars' })).code).toBe('db_key_not_applicable');
    expect(redactedUrl('postgres://ventil:s3cret@db.example/ventil')).toBe('postgres://ventil:***@db.example/ventil');
  });
});
