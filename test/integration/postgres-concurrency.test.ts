// Two hub processes on one PostgreSQL database release at the same time: the release runs are
// serialized (one advisory lock per network), so one writes the run and the other finds nothing
// left to release; no idempotency key twice, and every journal's numbers stay gapless. To make
// the two overlap on a loaded machine, the test holds back every write to release_runs until
// both processes wait on a lock: without the runner's lock, both would have read the same plan
// (checked: one of them then fails on the duplicate idempotency key).
// Two processes append to the audit chain at once: the chain's head is read under its lock
// (core/store/audit-repo.ts), so each row extends the other's; without it both read the same
// head and the second fails on the sequence (checked).
// The routing tick does not move its cursors past an order still being written by another
// process: it defers while an import is in flight (core/store/dialect.ts, intakeWriting).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { createContext } from '../../core/api/context.js';
import { routingTick } from '../../core/api/routing.js';
import { verifyAuditLog } from '../../core/store/audit-repo.js';
import { readCursor } from '../../core/store/routing-repo.js';
import { importScenario } from '../../core/store/scenario-repo.js';
import { parseScenario } from '../../core/domain/scenario.js';
import { openDatabase } from '../../core/store/database.js';
import { PgDatabase } from '../../core/store/pg/pg-database.js';
import { ventil } from '../helpers/cli.js';
import { exampleFile, readExample, repoRoot } from '../helpers/db.js';
import { postgresTestsRun, sharedPostgres } from '../helpers/postgres.js';
import { runVentil } from '../helpers/processes.js';

const installed = postgresTestsRun('postgres-concurrency.test');

/**
 * Locks `table` in a transaction held open (BEGIN and COMMIT by hand, across the awaits that let
 * this process read its children's pipes), and returns a function that waits until `n` sessions
 * wait on a lock, then commits: the writers so held back overlap.
 */
function gateOn(url: string, table: string): (n: number) => Promise<void> {
  const gate = new PgDatabase(url);
  const watch = new PgDatabase(url); // pg_stat_activity is read once per transaction: not the gate's
  const waiting = watch.prepare("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").pluck();
  gate.exec(`BEGIN; LOCK TABLE ${table} IN EXCLUSIVE MODE`);
  return async (n) => {
    const deadline = Date.now() + 100_000;
    while ((waiting.get() as number) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(waiting.get(), 'both processes wait').toBe(n);
    gate.exec('COMMIT');
    gate.close();
    watch.close();
  };
}

describe.skipIf(!installed)('two processes releasing on one PostgreSQL', () => {
  let url: string;
  beforeAll(() => {
    url = sharedPostgres().createDatabase('shared');
    expect(ventil(['import', exampleFile('network-basic.json'), '--db', url]).status).toBe(0);
  });

  it('writes one release run; the other releases nothing', async () => {
    const gate = gateOn(url, 'release_runs');
    const running = [0, 1].map(() => runVentil(['release', '--as-of', '2026-04-01T00:00:00Z', '--db', url, '--json']));
    await gate(2);
    const both = await Promise.all(running);
    for (const r of both) expect(r.status, r.stderr).toBe(0);
    const runs = both.map((r) => JSON.parse(r.stdout) as { run: { id: string } | null; transfers: unknown[] });
    expect(runs.filter((r) => r.run !== null)).toHaveLength(1);
    expect(runs.find((r) => r.run === null)!.transfers).toEqual([]);
    const { db } = openDatabase({ file: url, readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM release_runs').pluck().get()).toBe(1);
      expect(db.prepare('SELECT count(*) - count(DISTINCT idempotency_key) FROM transfers').pluck().get()).toBe(0);
      const journals = db.prepare('SELECT count(*) AS n, max(number) AS last FROM journal_entries GROUP BY entity, journal, fiscal_year').all() as { n: number; last: number }[];
      expect(journals.length).toBeGreaterThan(0);
      for (const j of journals) expect(j.last).toBe(j.n);
    } finally {
      db.close();
    }
  }, 240_000);

  it('appends audit rows from both at once: one unbroken chain, no row lost', async () => {
    const rowsBefore = (() => {
      const { db } = openDatabase({ file: url, readonly: true });
      try { return db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number; } finally { db.close(); }
    })();
    // Writes to audit_log wait behind the gate, so both processes' first appends overlap.
    const gate = gateOn(url, 'audit_log');
    const appending = ['alice', 'bruno'].map((actor) => new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test/fixtures/audit-child.ts'), url, actor, '25'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.once('exit', (status) => resolve({ status, out }));
    }));
    await gate(2);
    for (const r of await Promise.all(appending)) expect(r.status, r.out).toBe(0);
    const { db } = openDatabase({ file: url, readonly: true });
    try {
      const check = verifyAuditLog(db);
      expect(check.problems).toEqual([]);
      expect(check.rows).toBe(rowsBefore + 50);
      expect(db.prepare("SELECT actor_id, count(*) AS n FROM audit_log WHERE operation = 'test.append' GROUP BY actor_id ORDER BY actor_id").raw().all())
        .toEqual([['alice', 25], ['bruno', 25]]);
    } finally {
      db.close();
    }
  }, 240_000);
});

describe.skipIf(!installed)('routing while another process imports, on one PostgreSQL', () => {
  type Scenario = { orders: { id: string }[]; events: { order: string }[] };
  /** network-basic with only the orders named (and their events). */
  const withOrders = (ids: readonly string[]): Scenario => {
    const s = readExample('network-basic.json') as Scenario;
    return { ...s, orders: s.orders.filter((o) => ids.includes(o.id)), events: s.events.filter((e) => ids.includes(e.order)) };
  };

  it('defers while an import is in flight, so the order cursor never passes an order not yet committed', () => {
    const url = sharedPostgres().createDatabase('routing_cursor');
    const ids = (readExample('network-basic.json') as Scenario).orders.map((o) => o.id);
    const [late, early] = [ids.at(-2)!, ids.at(-1)!];
    const base = ids.slice(0, -2);
    const now = new Date('2026-03-20T00:00:00Z');
    const a = openDatabase({ file: url }).db;
    const b = openDatabase({ file: url }).db;
    try {
      const ok = (r: { ok: boolean; error?: unknown }) => expect(r.ok, JSON.stringify(r.error)).toBe(true);
      ok(callApi(createContext(a, { now: () => now }), 'scenario.import', { scenario: withOrders(base) }));
      expect(routingTick(a, now).deferred).toBeUndefined();
      const before = readCursor(a, 'orders');
      // Process B stores `late` (numbered, not settled yet) and keeps its transaction open; A then
      // imports and commits `early`, numbered after it.
      b.exec('BEGIN');
      expect(importScenario(b, parseScenario(withOrders([...base, late])), now.toISOString()).conflicts).toEqual([]);
      ok(callApi(createContext(a, { now: () => now }), 'scenario.import', { scenario: withOrders([...base, early]) }));
      const seqOf = (db: typeof a, id: string) => db.prepare('SELECT seq FROM orders WHERE id = ?').pluck().get(id) as number;
      expect(seqOf(b, late)).toBeLessThan(seqOf(a, early));
      const deferred = routingTick(a, now);
      expect(deferred.deferred).toBe(true);
      expect(readCursor(a, 'orders'), 'the cursor stays below the order in flight').toBe(before);
      b.exec('COMMIT');
      expect(routingTick(a, now).deferred).toBeUndefined();
      expect(readCursor(a, 'orders')).toBe(seqOf(a, early));
      expect(readCursor(a, 'orders')).toBeGreaterThan(seqOf(a, late));
    } finally {
      a.close();
      b.close();
    }
  }, 120_000);
});
