// A large run's WAL checkpoint on another thread (core/store/checkpoint.ts): the commit leaves
// the pages in the WAL, a worker copies them into the file once the transaction ends (not
// before: it waits for the write lock), and the connection's automatic checkpoint comes back.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { settleStoredOrders } from '../../../core/api/settlement-runner.js';
import { generateScenario } from '../../../core/demo/generate.js';
import { validateScenario } from '../../../core/domain/scenario.js';
import { awaitCheckpoint, deferCheckpoint } from '../../../core/store/checkpoint.js';
import { openSqliteDatabase } from '../../../core/store/database.js';
import { importScenario } from '../../../core/store/scenario-repo.js';
import { openSqlite, type Sqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';

const t = tempDir('ventil-checkpoint-');
afterAll(() => t.cleanup());

const KEY = 'a key for the checkpointing thread, long enough';
const autocheckpoint = (db: Sqlite) => db.pragma('wal_autocheckpoint', { simple: true });
/** SQLite's default, which the connections here keep until a checkpoint is deferred, and get back after. */
const AUTOCHECKPOINT_PAGES = 1000;
const size = (file: string) => statSync(file).size;

/** A file database in WAL mode with a table to fill. */
function fresh(name: string, key: string | null = null) {
  const file = join(t.dir, name);
  const db = openSqlite(file, { key });
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x TEXT)');
  return { db, file };
}

/** About 12 MB of rows: some 3,000 pages, past the automatic checkpoint's 1,000. */
const fill = (db: Sqlite) => { const put = db.prepare('INSERT INTO t VALUES (?)'); for (let i = 0; i < 200_000; i++) put.run(`row ${i} ${'x'.repeat(40)}`); };

describe('a checkpoint deferred to another thread', () => {
  it('leaves the commit\'s pages in the WAL, then copies them into the file once the transaction is over', () => {
    const { db, file } = fresh('plain.db');
    const before = size(file);
    db.transaction(() => {
      expect(deferCheckpoint(db)).toBe(true);
      expect(deferCheckpoint(db)).toBe(false); // one at a time
      fill(db);
    })();
    // The commit did not copy (the file kept its size), and the worker waits while the write lock is held.
    db.exec('BEGIN IMMEDIATE');
    expect(autocheckpoint(db)).toBe(0);
    expect(size(file)).toBe(before);
    expect(awaitCheckpoint(db, 300)).toBe(false);
    db.exec('ROLLBACK');
    expect(awaitCheckpoint(db, 60_000)).toBe(true);
    expect(size(file)).toBeGreaterThan(before + 10_000_000);
    expect(autocheckpoint(db)).toBe(AUTOCHECKPOINT_PAGES);
    const [{ busy, log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(busy).toBe(0);
    expect(checkpointed).toBe(log);
    db.close();
    expect(openSqlite(file).prepare('SELECT count(*) FROM t').pluck().get()).toBe(200_000);
  });

  it('brings the automatic checkpoint back on the event loop when nobody waits for it', async () => {
    const { db } = fresh('loop.db');
    db.transaction(() => { deferCheckpoint(db); fill(db); })();
    expect(autocheckpoint(db)).toBe(0);
    await vi.waitFor(() => expect(autocheckpoint(db)).toBe(AUTOCHECKPOINT_PAGES), { timeout: 60_000, interval: 20 });
    expect(awaitCheckpoint(db, 0)).toBe(true);
    db.close();
  });

  it('ends as well after a rollback, with nothing written', () => {
    const { db, file } = fresh('rollback.db');
    expect(() => db.transaction(() => { deferCheckpoint(db); fill(db); throw new Error('the run failed'); })()).toThrow('the run failed');
    expect(awaitCheckpoint(db, 60_000)).toBe(true);
    expect(autocheckpoint(db)).toBe(AUTOCHECKPOINT_PAGES);
    expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(0);
    expect(size(file)).toBeLessThan(100_000);
    db.close();
  });

  it('gives the connection back its own automatic checkpoint, not SQLite\'s default', () => {
    const { db } = fresh('own-setting.db');
    db.pragma('wal_autocheckpoint = 500');
    db.transaction(() => { deferCheckpoint(db); fill(db); })();
    expect(autocheckpoint(db)).toBe(0);
    expect(awaitCheckpoint(db, 60_000)).toBe(true);
    expect(autocheckpoint(db)).toBe(500);
    db.close();
  });

  it('opens an encrypted database with its key', () => {
    const { db, file } = fresh('encrypted.db', KEY);
    const before = size(file);
    db.transaction(() => { deferCheckpoint(db); fill(db); })();
    expect(awaitCheckpoint(db, 60_000)).toBe(true);
    expect(size(file)).toBeGreaterThan(before + 10_000_000);
    db.close();
    expect(openSqlite(file, { key: KEY }).prepare('SELECT count(*) FROM t').pluck().get()).toBe(200_000);
  });

  it('is not deferred where there is no WAL', () => {
    const memory = openSqlite(':memory:');
    expect(deferCheckpoint(memory)).toBe(false);
    const file = join(t.dir, 'rollback-journal.db');
    const db = openSqlite(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(deferCheckpoint(db)).toBe(false);
    expect(autocheckpoint(db)).toBe(AUTOCHECKPOINT_PAGES);
  });

  it('is what a large settlement run in its caller\'s transaction does (an import), and its rows are all there', () => {
    const raw = generateScenario({ seed: 5, franchisees: 6, orders: 300, from: '2026-01-05', to: '2026-02-20', eventsUntil: '2026-03-01T00:00:00Z' });
    const checked = validateScenario(raw);
    if (!checked.ok) throw new Error('invalid scenario');
    const file = join(t.dir, 'import.db');
    const { db } = openSqliteDatabase({ file, now: () => FROZEN_NOW, key: null });
    db.transaction(() => {
      importScenario(db, checked.scenario, FROZEN_NOW.toISOString());
      const run = settleStoredOrders(db, { now: FROZEN_NOW, reason: 'test', parallel: true });
      expect(run.parallel).toBe(true);
      expect(autocheckpoint(db)).toBe(0);
    })();
    expect(awaitCheckpoint(db, 60_000)).toBe(true);
    expect(autocheckpoint(db)).toBe(AUTOCHECKPOINT_PAGES);
    const settled = db.prepare('SELECT count(*) FROM settlements').pluck().get();
    db.close();
    expect(settled).toBe(300);
    const again = openSqlite(file);
    expect(again.prepare('SELECT count(*) FROM settlements').pluck().get()).toBe(300);
    expect(again.prepare('SELECT count(*) FROM journal_entries').pluck().get()).toBeGreaterThan(0);
  });
});
