// Migration 0018 moves the entity shares into their revision's row, on a database that already
// holds settled orders: every share reads back through the entity_shares view as it was stored
// (typed, in any order asked), each revision holds its own in the key's order, revisions stay
// append-only, and down() puts the table back with the rows. On PostgreSQL the same over the
// partitioned rows of 0014, whose year functions no longer name the shares' partitions.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';
import type { Db } from '../../../core/store/db.js';

const NAME = '0018_shares_in_revisions';
const at = migrations.findIndex((m) => m.name === NAME);

// O1 settled twice (its shares inserted out of key order), O2 once with no share.
const SETTLED = `INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O1', 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', 'now'),
    ('O2', 'web', '2025-12-31T23:00:00Z', 'EUR', 'h', 'now');
  INSERT INTO settlement_revisions (order_id, revision, computed_at, reason) VALUES ('O1', 1, 'now', 'import'), ('O1', 2, 'later', 'event'), ('O2', 1, 'now', 'import');
  INSERT INTO entity_shares (order_id, revision, line_id, entity, kind, amount, currency, release_at) VALUES
    ('O1', 1, '2', 'S1', 'line', 500, 'EUR', NULL), ('O1', 1, '1', 'S1', 'line', 1160, 'EUR', '2026-02-01T00:00:00Z'),
    ('O1', 1, '', 'S1', 'fee', -30, 'EUR', '2026-01-01T00:00:00Z'), ('O1', 1, '1', 'HQ', 'line', 40, 'EUR', '2026-02-01T00:00:00Z'),
    ('O1', 2, '1', 'HQ', 'line', 40, 'EUR', '2026-02-01T00:00:00Z');`;
const sharesOf = (db: Db) => db.prepare('SELECT * FROM entity_shares ORDER BY order_id, revision, line_id, entity, kind').all();

describe(`${NAME} on SQLite`, () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, ':memory:', migrations.slice(0, at), () => FROZEN_NOW);
  db.exec(SETTLED);
  const before = sharesOf(db);
  const report = migrate(db, ':memory:', migrations.slice(0, at + 1), () => FROZEN_NOW);

  it('keeps every share, read back typed through the view, each revision holding its own in the key\'s order', () => {
    expect(report.applied).toEqual([NAME]);
    expect(before).toHaveLength(5);
    expect(sharesOf(db)).toEqual(before);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'entity_shares'").pluck().get()).toBe('view');
    expect(db.prepare('SELECT order_id, revision, shares_json FROM settlement_revisions ORDER BY order_id, revision').raw().all()).toEqual([
      ['O1', 1, '[["","S1","fee",-30,"EUR","2026-01-01T00:00:00Z"],["1","HQ","line",40,"EUR","2026-02-01T00:00:00Z"],["1","S1","line",1160,"EUR","2026-02-01T00:00:00Z"],["2","S1","line",500,"EUR",null]]'],
      ['O1', 2, '[["1","HQ","line",40,"EUR","2026-02-01T00:00:00Z"]]'],
      ['O2', 1, '[]'],
    ]);
    expect(db.prepare("SELECT sum(amount) FROM entity_shares WHERE order_id = 'O1' AND revision = 1 AND entity = 'S1'").pluck().get()).toBe(1630);
  });

  it('keeps revisions append-only', () => {
    expect(() => db.exec("UPDATE settlement_revisions SET shares_json = '[]'")).toThrow('settlement revisions are append-only');
  });

  it('rolls back with down(), the shares back in their table', () => {
    db.transaction(() => migrations[at]!.down(db))();
    expect(sharesOf(db)).toEqual(before);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'entity_shares'").pluck().get()).toBe('table');
    expect(db.prepare("SELECT count(*) FROM pragma_table_info('settlement_revisions') WHERE name = 'shares_json'").pluck().get()).toBe(0);
    expect(() => db.exec('UPDATE entity_shares SET amount = 0')).toThrow('entity shares are append-only');
    expect(() => db.exec("INSERT INTO entity_shares VALUES ('O1', 2, '1', 'HQ', 'line', 1, 'EUR', NULL)")).toThrow(/UNIQUE/);
  });
});

describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0018_shares_in_revisions.test');

  it('keeps every share in its revision, takes new ones with their revision in its year, opens years without the shares\' partitions, and rolls back', () => {
    const db = database(migrations.slice(0, at));
    db.exec(SETTLED);
    const before = sharesOf(db);
    db.transaction(() => migrations[at]!.up(db))();
    expect(sharesOf(db)).toEqual(before);
    // The same arrays as SQLite writes (PostgreSQL's json_agg spaces them).
    expect((db.prepare("SELECT shares_json FROM settlement_revisions WHERE order_id = 'O1' ORDER BY revision").pluck().all() as string[]).map((j) => JSON.parse(j))).toEqual([
      [['', 'S1', 'fee', -30, 'EUR', '2026-01-01T00:00:00Z'], ['1', 'HQ', 'line', 40, 'EUR', '2026-02-01T00:00:00Z'], ['1', 'S1', 'line', 1160, 'EUR', '2026-02-01T00:00:00Z'], ['2', 'S1', 'line', 500, 'EUR', null]],
      [['1', 'HQ', 'line', 40, 'EUR', '2026-02-01T00:00:00Z']],
    ]);
    expect(db.prepare("SELECT count(*) FROM pg_class WHERE relname LIKE 'entity_share_rows%'").pluck().get()).toBe(0);
    // Written through the store's names: the year added by the view's rule, the shares with the revision.
    db.exec(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ('O3', 'web', '2026-03-01T00:00:00Z', 'EUR', 'h', 'now');
      INSERT INTO settlement_revisions (order_id, revision, computed_at, reason, shares_json) VALUES ('O3', 1, 'now', 'import', '[["1","S1","line",7,"EUR",null]]')`);
    expect(db.prepare("SELECT order_year FROM settlement_revision_rows WHERE order_id = 'O3'").pluck().get()).toBe('2026');
    expect(db.prepare("SELECT amount FROM entity_shares WHERE order_id = 'O3'").pluck().all()).toEqual([7]);
    expect(() => db.exec("UPDATE settlement_revisions SET reason = 'x'")).toThrow('settlement revisions are append-only');
    expect(db.prepare("SELECT array_to_string(ventil_open_year('2031'), ' ')").pluck().get()).toBe('');
    expect(db.prepare("SELECT relname FROM pg_class WHERE relname LIKE '%_2031' ORDER BY 1").pluck().all()).toEqual([
      'journal_entries_2031', 'journal_line_rows_2031', 'settlement_line_rows_2031', 'settlement_revision_rows_2031',
    ]);

    db.transaction(() => migrations[at]!.down(db))();
    expect(sharesOf(db).filter((s) => (s as { order_id: string }).order_id !== 'O3')).toEqual(before);
    expect(db.prepare("SELECT DISTINCT tableoid::regclass::text FROM entity_share_rows ORDER BY 1").pluck().all())
      .toEqual(['entity_share_rows_2026']);
    expect(() => db.exec('UPDATE entity_shares SET amount = 0')).toThrow('entity shares are append-only');
    expect(db.prepare("SELECT array_to_string(ventil_open_year('2032'), ' ')").pluck().get()).toBe('');
    expect(db.prepare("SELECT count(*) FROM pg_class WHERE relname = 'entity_share_rows_2032'").pluck().get()).toBe(1);
  });
});
