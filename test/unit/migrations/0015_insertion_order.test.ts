// Migration 0015 gives orders and transfers an explicit insertion order (`seq`), on a hub that
// already holds some: the existing rows are numbered in the order they were written (on SQLite
// their rowid, so the routing cursor keeps its meaning), a row written without a number gets the
// next one, a number given is kept, the backfill marks no document dirty for the replicas (those
// dirty before stay so), the store's readers follow it, and down() takes it away. Same test on
// both dialects.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import type { Db } from '../../../core/store/db.js';
import { columnsOf, isSqlite } from '../../../core/store/dialect.js';
import { ensureChangeLog } from '../../../core/store/change-triggers.js';
import { priorTransfers } from '../../../core/store/release-repo.js';
import { routingHighWater } from '../../../core/store/routing-repo.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

const NAME = '0015_insertion_order';
const at = migrations.findIndex((m) => m.name === NAME);

const order = (db: Db, id: string) => db.prepare(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at)
  VALUES (?, 'web', '2026-01-01T00:00:00Z', 'EUR', 'h', '2026-01-02T00:00:00Z')`).run(id);
const transfer = (db: Db, id: string) => db.prepare(`INSERT INTO transfers (id, run_id, entity, currency, amount, kind, idempotency_key, status, created_at)
  VALUES (?, 'r1', 'HQ', 'EUR', 100, 'transfer', ?, 'queued', '2026-02-01T00:00:00.000Z')`).run(id, `k-${id}`);
const seqs = (db: Db, table: string) => Object.fromEntries((db.prepare(`SELECT id, seq FROM ${table}`).raw().all() as [string, number][]));
const dirty = (db: Db) => db.prepare('SELECT kind, key FROM change_dirty ORDER BY kind, key').raw().all();
const hasSeq = (db: Db, table: string) => columnsOf(db, table).some((c) => c.name === 'seq');

/** A hub at 0014 with orders and transfers written out of id order, and one order dirty. */
function before(db: Db): void {
  db.exec(`INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554');
    INSERT INTO release_runs (id, as_of, created_at, recovery, transfer_count, content_hash, actor) VALUES ('r1', 'a', 'b', 'net', 2, 'h', 'x');`);
  order(db, 'O3');
  order(db, 'O1');
  transfer(db, 't2');
  transfer(db, 't1');
  ensureChangeLog(db);
  db.exec('DELETE FROM change_dirty'); // sealed
  order(db, 'O2');
}

function migrated(db: Db): void {
  expect(dirty(db)).toEqual([['order', 'O2']]);
  const rowids = isSqlite(db) ? { orders: seqsOf(db, 'orders'), transfers: seqsOf(db, 'transfers') } : null;
  db.transaction(() => migrations[at]!.up(db))();
  // Numbered in the order written: on SQLite the rowids themselves.
  expect(seqs(db, 'orders')).toEqual({ O3: 1, O1: 2, O2: 3 });
  expect(seqs(db, 'transfers')).toEqual({ t2: 1, t1: 2 });
  if (rowids) expect({ orders: seqs(db, 'orders'), transfers: seqs(db, 'transfers') }).toEqual(rowids);
  expect(dirty(db)).toEqual([['order', 'O2']]);

  // The next rows follow, whoever writes them; a number given (a replica's pull) is kept.
  order(db, 'O0');
  transfer(db, 't3');
  order(db, 'O8');
  db.prepare(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at, seq) VALUES ('O9', 'web', 'a', 'EUR', 'h', 'b', 40)`).run();
  expect(seqs(db, 'orders')).toEqual({ O3: 1, O1: 2, O2: 3, O0: 4, O8: 5, O9: 40 });
  expect(seqs(db, 'transfers')).toEqual({ t2: 1, t1: 2, t3: 3 });
  expect(dirty(db)).toEqual([['order', 'O0'], ['order', 'O2'], ['order', 'O8'], ['order', 'O9'], ['transfer', 't3']]);
  expect(routingHighWater(db).maxOrder).toBe(40);
  expect(priorTransfers(db, 'HQ', 'EUR').map((t) => [t.id, t.seq])).toEqual([['t2', 1], ['t1', 2], ['t3', 3]]);

  db.transaction(() => migrations[at]!.down(db))();
  expect(hasSeq(db, 'orders') || hasSeq(db, 'transfers')).toBe(false);
  order(db, 'O7');
  transfer(db, 't4');
}

function seqsOf(db: Db, table: string): Record<string, number> {
  return Object.fromEntries(db.prepare(`SELECT id, rowid FROM ${table}`).raw().all() as [string, number][]);
}

describe(`${NAME} on SQLite`, () => {
  it('numbers the rows in rowid order, then every new row; marks nothing dirty; rolls back with down()', () => {
    const db = openSqlite(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, ':memory:', migrations.slice(0, at), () => FROZEN_NOW);
    before(db);
    const schema = () => db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();
    const schemaBefore = schema();
    migrated(db);
    expect(schema()).toEqual(schemaBefore);
  });
});

describe.skipIf(!postgresInstalled)(`${NAME} on PostgreSQL`, () => {
  const database = postgresDatabases('0015_insertion_order.test');

  it('numbers the rows in the order written, then every new row; marks nothing dirty; rolls back with down()', () => {
    const db = database(migrations.slice(0, at));
    before(db);
    migrated(db);
  });
});
