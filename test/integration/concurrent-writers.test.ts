// Several processes writing one database file (a `ventil import` beside a running hub, two
// imports at once): every write transaction begins IMMEDIATE, so a writer that finds the write
// lock taken waits for it (busy_timeout) instead of failing at once with "database is locked"
// (a deferred transaction that read first cannot wait: SQLite answers SQLITE_BUSY to avoid a
// deadlock). Here the test holds the lock with an import of its own while two `ventil import`
// processes start; all three succeed and every order is stored once.
import { readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi, toErrorValue } from '../../core/api/index.js';
import { openDatabase, openSqliteDatabase } from '../../core/store/database.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, ok, type Json } from '../helpers/lifecycle.js';
import { bundledVentil, runVentil } from '../helpers/processes.js';

const now = () => new Date('2026-03-20T00:00:00Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many other processes have `file` open (Linux's /proc; processes of other users are skipped). */
function otherOpeners(file: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d) && d !== String(process.pid))) {
    try {
      if (readdirSync(`/proc/${pid}/fd`).some((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`) === file)) n++;
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return n;
}

/** `count` copies of the example's first order, with ids of their own. */
function ordersOf(prefix: string, count: number): Json[] {
  const model = basicScenario().orders[0];
  return Array.from({ length: count }, (_, i) => ({ ...model, id: `${prefix}-${i}`, payments: model.payments.map((p: Json) => ({ ...p, id: `PAY-${prefix}-${i}` })) }));
}

describe('concurrent writers on one database file', () => {
  const tmp = tempDir('ventil-writers-');
  afterAll(() => tmp.cleanup());

  it('two imports started while a third holds the write lock all wait for it, and nothing is lost', { timeout: 180_000 }, async () => {
    const file = join(tmp.dir, 'hub.db');
    const bin = await bundledVentil();
    const { db } = openDatabase({ file });
    try {
      ok(callApi(createContext(db, { now }), 'scenario.import', { scenario: basicScenario({ events: false }) }));
      const files = ['A', 'B'].map((p) => {
        const f = join(tmp.dir, `${p}.json`);
        writeFileSync(f, JSON.stringify({ ...basicScenario({ events: false }), orders: ordersOf(p, 40) }));
        return f;
      });

      // The write lock, held (a manual BEGIN may span an await) until both processes have opened
      // the file and had a second to reach their transaction: a deferred one would have read and
      // then failed at its first write; an immediate one waits.
      db.exec('BEGIN IMMEDIATE');
      ok(callApi(createContext(db, { now }), 'scenario.import', { scenario: { ...basicScenario({ events: false }), orders: ordersOf('C', 40) } }));
      let ended = 0;
      const runs = files.map((f) => runVentil(['import', f, '--db', file, '--json'], {}, 120_000, bin).finally(() => { ended++; }));
      for (let i = 0; i < 600 && ended === 0 && otherOpeners(file) < 2; i++) await sleep(50);
      await sleep(1_000);
      db.exec('COMMIT');

      for (const r of await Promise.all(runs)) {
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ changed: true });
      }
      const stored = db.prepare("SELECT substr(id, 1, 1) AS batch, count(*) AS n FROM orders WHERE id GLOB '[ABC]-*' GROUP BY batch ORDER BY batch").all();
      expect(stored).toEqual([{ batch: 'A', n: 40 }, { batch: 'B', n: 40 }, { batch: 'C', n: 40 }]);
      // Settled too: the imports' settlements committed with their orders.
      expect(db.prepare("SELECT count(DISTINCT order_id) FROM settlements WHERE order_id GLOB '[ABC]-*'").pluck().get()).toBe(120);
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  });

  it('an import that waited longer than the busy timeout exits 1 with database_busy, having stored nothing', { timeout: 120_000 }, async () => {
    const file = join(tmp.dir, 'held.db');
    const bin = await bundledVentil();
    const { db } = openDatabase({ file });
    try {
      ok(callApi(createContext(db, { now }), 'scenario.import', { scenario: basicScenario({ events: false }) }));
      const f = join(tmp.dir, 'E.json');
      writeFileSync(f, JSON.stringify({ ...basicScenario({ events: false }), orders: ordersOf('E', 2) }));
      db.exec('BEGIN IMMEDIATE');
      const r = await runVentil(['import', f, '--db', file, '--json'], {}, 60_000, bin); // holds the lock all along
      db.exec('COMMIT');
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'database_busy' } });
      expect(db.prepare("SELECT count(*) FROM orders WHERE id GLOB 'E-*'").pluck().get()).toBe(0);
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    }
  });

  it('a writer that waited longer than the busy timeout gets a named error, and nothing is stored', () => {
    const file = join(tmp.dir, 'busy.db');
    const holder = openDatabase({ file }).db;
    const writer = openSqliteDatabase({ file }).db;
    try {
      ok(callApi(createContext(holder, { now }), 'scenario.import', { scenario: basicScenario({ events: false }) }));
      writer.pragma('busy_timeout = 50'); // the named error, without waiting the whole timeout
      holder.exec('BEGIN IMMEDIATE');
      const r = callApi(createContext(writer, { now }), 'scenario.import', { scenario: { ...basicScenario({ events: false }), orders: ordersOf('D', 2) } });
      holder.exec('COMMIT');
      expect(r).toMatchObject({ ok: false, error: { code: 'database_busy', message: expect.stringContaining('write lock') } });
      expect(writer.prepare("SELECT count(*) FROM orders WHERE id GLOB 'D-*'").pluck().get()).toBe(0);
      expect(toErrorValue(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })).code).toBe('database_busy');
    } finally {
      holder.close();
      writer.close();
    }
  });
});
