// The outbox runner: claims due rows, calls the adapter OUTSIDE any transaction, records the
// acknowledgement, and retries failures with exponential backoff and jitter, within a bounded
// attempt budget, after which a row is dead-lettered with its reason (docs/sync.md).
//
// Crash safety. Each step is its own short transaction: claim (pending → in_flight), then the
// call (no transaction), then the outcome (in_flight → sent / failed / dead). A process killed
// during the call leaves the row in_flight. The next runner to take the runner lock knows no other
// runner is alive, so every in_flight row is an orphan: it goes back to the queue, and is sent
// again with the SAME idempotency key, which the PSP answers with the object it already made
// (or makes it, if the first call never arrived). The PSP therefore never applies a call twice,
// and no call is lost. Keys expire at some PSPs (Stripe: 24 hours); a row first tried longer ago
// than that is looked up at the PSP before being sent again.
//
// Offline. When the PSP cannot be reached at all (no route, DNS, refused), the runner stops the
// pass, keeps the rows as they are without spending their attempt budget, and probes again later
// with its own backoff: calls wait for the network, for as long as it takes.
import { isReplica } from '../replication/installation.js';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Db } from '../store/db.js';
import { PspError } from '../adapters/psp.js';
import type { AdapterRegistry } from '../adapters/registry.js';
import { dispatch, type DispatchResult } from './dispatch.js';
import { logAttempt, readState, writeState, type OutboxRow } from './outbox.js';
import {
  claimRow, earliestDue, inFlightRows, markClaimedFailed, markClaimedSent, markInterrupted, nextDueRow, statusOfKey,
} from '../store/outbox-repo.js';
import { deleteState } from '../store/sync-state-repo.js';
import { mergePspObject } from './psp-state.js';
import { countAttemptsWithCode } from '../store/outbox-repo.js';

export interface RetryPolicy {
  /** First retry delay; doubles with each counted attempt. */
  baseMs: number;
  /** Largest retry delay. */
  maxMs: number;
  /** Counted attempts before a row is dead-lettered (offline probes and 429s do not count). */
  maxAttempts: number;
  /** Time allowed to one call before its outcome counts as unknown (and is retried). */
  callTimeoutMs: number;
  /** First and largest delay between probes while the PSP is unreachable. */
  offlineBaseMs: number;
  offlineMaxMs: number;
  /** Pause after the PSP refused our credentials (401/403): nothing will pass until fixed. */
  blockedDelayMs: number;
  /** A runner lock whose heartbeat is older than this is free. */
  lockTtlMs: number;
  /**
   * Wait before trying again a call the PSP refused for want of available funds (Stripe's
   * `balance_insufficient`): not an attempt spent, tried until the funds arrive.
   */
  fundsRetryMs: number;
}

export const DEFAULT_POLICY: RetryPolicy = {
  baseMs: 5_000,
  maxMs: 60 * 60_000,
  maxAttempts: 12,
  callTimeoutMs: 30_000,
  offlineBaseMs: 5_000,
  offlineMaxMs: 5 * 60_000,
  blockedDelayMs: 10 * 60_000,
  lockTtlMs: 2 * 60_000,
  fundsRetryMs: 30 * 60_000,
};

/**
 * The delay before the next try after `attempt` counted attempts: exponential (base × 2^(n−1),
 * capped at max), with "equal jitter" (half fixed, half random) so a batch of rows that failed
 * together does not retry in lockstep, and never less than the PSP's Retry-After.
 */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>, random: () => number, retryAfterMs: number | null = null): number {
  const n = Math.max(1, attempt);
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(n - 1, 40));
  const jittered = Math.round(exp / 2 + random() * (exp / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}

export type Outcome = 'sent' | 'found' | 'retry' | 'dead' | 'offline' | 'blocked' | 'rate_limited' | 'skipped';

export interface DrainReport {
  processed: number;
  sent: number;
  retried: number;
  dead: number;
  offline: boolean;
  blocked: boolean;
  rateLimited: boolean;
  /** Stopped early because the signal was aborted. */
  stopped: boolean;
}

export interface LockHolder { id: string; pid: number; host: string; heartbeat_at: string; started_at: string }

export interface RunnerOptions {
  db: Db;
  registry: AdapterRegistry;
  policy?: Partial<RetryPolicy>;
  now?: () => Date;
  random?: () => number;
  /** Sleeps that a stop signal cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  runnerId?: string;
  log?: (line: string) => void;
}

/** A replica never sends PSP or ERP calls (its outbox rows mirror the hub's). */
export class ReplicaRunnerError extends Error {
  readonly code = 'replica_no_psp';
  constructor() {
    super('this database is a replica: the hub sends the PSP and ERP calls, never a replica');
    this.name = 'ReplicaRunnerError';
  }
}

export class RunnerLockedError extends Error {
  readonly code = 'runner_locked';
  constructor(readonly holder: LockHolder) {
    super(`another outbox runner is active (pid ${holder.pid} on ${holder.host}, heartbeat ${holder.heartbeat_at})`);
  }
}

const LOCK_KEY = 'runner.lock';

export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class OutboxRunner {
  readonly id: string;
  readonly policy: RetryPolicy;
  private readonly db: Db;
  private readonly registry: AdapterRegistry;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly log: (line: string) => void;
  private locked = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private offlineProbes = 0;
  /** No call before this time (offline, blocked, rate limited). */
  pausedUntil = 0;

  constructor(opts: RunnerOptions) {
    this.db = opts.db;
    this.registry = opts.registry;
    this.policy = { ...DEFAULT_POLICY, ...opts.policy };
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? defaultSleep;
    this.log = opts.log ?? (() => {});
    this.id = opts.runnerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  // ---- The runner lock ----------------------------------------------------------------------

  /**
   * Takes the runner lock (one runner per database), or throws RunnerLockedError. A lock is free
   * when it is ours, when its heartbeat is older than lockTtlMs, or when its process is gone.
   * Taking it requeues every in_flight row: with the lock held, nobody else is sending them.
   */
  acquire(): { recovered: number } {
    // A replica's outbox rows are the hub's, shown read-only: the hub alone moves money.
    if (isReplica(this.db)) throw new ReplicaRunnerError();
    const recovered = this.db.transaction(() => {
      const holder = readState<LockHolder>(this.db, LOCK_KEY);
      const now = this.now();
      if (holder && holder.id !== this.id) {
        const fresh = now.getTime() - Date.parse(holder.heartbeat_at) < this.policy.lockTtlMs;
        const alive = holder.host !== hostname() || pidAlive(holder.pid);
        if (fresh && alive) throw new RunnerLockedError(holder);
      }
      writeState(this.db, LOCK_KEY, { id: this.id, pid: process.pid, host: hostname(), heartbeat_at: now.toISOString(), started_at: now.toISOString() } satisfies LockHolder, now);
      return this.recoverOrphans(now);
    }).immediate();
    this.locked = true;
    if (!this.heartbeatTimer) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), Math.max(1000, Math.floor(this.policy.lockTtlMs / 4)));
      this.heartbeatTimer.unref();
    }
    if (recovered > 0) this.log(`requeued ${recovered} call(s) interrupted by a stopped runner; they are retried with the same idempotency keys`);
    return { recovered };
  }

  heartbeat(): void {
    if (!this.locked) return;
    try {
      this.db.transaction(() => {
        const holder = readState<LockHolder>(this.db, LOCK_KEY);
        if (holder?.id !== this.id) { this.locked = false; return; }
        const now = this.now();
        writeState(this.db, LOCK_KEY, { ...holder, heartbeat_at: now.toISOString() }, now);
      }).immediate();
    } catch {
      // A busy database delays the heartbeat; the TTL is generous.
    }
  }

  release(): void {
    if (this.heartbeatTimer) { clearInterval(this.heartbeatTimer); this.heartbeatTimer = null; }
    if (!this.locked) return;
    this.db.transaction(() => {
      const holder = readState<LockHolder>(this.db, LOCK_KEY);
      if (holder?.id === this.id) deleteState(this.db, LOCK_KEY);
    }).immediate();
    this.locked = false;
  }

  get holdsLock(): boolean { return this.locked; }

  private recoverOrphans(now: Date): number {
    const at = now.toISOString();
    const orphans = inFlightRows(this.db);
    for (const row of orphans) {
      const attempts = row.attempts + 1;
      const dead = attempts >= this.policy.maxAttempts;
      const reason = `interrupted: the runner ${row.claimed_by ?? '?'} stopped during the call (attempt ${attempts})`;
      markInterrupted(this.db, row.id, { status: dead ? 'dead' : 'failed', attempts, at, message: dead ? `gave up after ${attempts} attempts; last: ${reason}` : reason });
      logAttempt(this.db, { outbox_id: row.id, attempt: attempts, started_at: row.claimed_at ?? at, finished_at: at, outcome: dead ? 'dead' : 'interrupted', error_code: 'interrupted', error: reason, http_status: null, actor: this.id });
    }
    return orphans.length;
  }

  // ---- Claiming and sending ---------------------------------------------------------------

  /** Claims the next due row whose target has an adapter and whose dependency is settled. */
  claimNext(): OutboxRow | null {
    const targets = this.registry.targets();
    if (targets.length === 0) return null;
    return this.db.transaction(() => {
      const now = this.now().toISOString();
      const row = nextDueRow(this.db, now, targets);
      if (!row) return null;
      if (!claimRow(this.db, row.id, this.id, now)) return null;
      return { ...row, status: 'in_flight' as const, claimed_by: this.id, claimed_at: now, first_attempt_at: row.first_attempt_at ?? now };
    }).immediate();
  }

  /** Sends one claimed row and records the outcome. */
  async process(row: OutboxRow): Promise<Outcome> {
    const started = this.now();
    if (row.depends_on) {
      const dep = statusOfKey(this.db, row.depends_on);
      if (dep !== 'sent') {
        this.finishFailure(row, started, new PspError({ disposition: 'permanent', code: 'dependency_failed', message: `depends on ${row.depends_on}, which is ${dep ?? 'missing'}` }));
        return 'dead';
      }
    }
    const window = row.target === 'psp' ? this.registry.psp?.idempotencyWindowMs ?? null : null;
    const lookupFirst = window !== null && row.first_attempt_at !== null && started.getTime() - Date.parse(row.first_attempt_at) > window;
    let result: DispatchResult;
    try {
      // A refund spread over several payments makes one call per payment; a lookup adds one.
      const calls = (row.kind === 'psp.refund' ? ((JSON.parse(row.payload_json) as { payments?: unknown[] }).payments?.length ?? 1) : 1) * (lookupFirst ? 2 : 1);
      // After a refusal for want of funds the PSP keeps that refusal under the call's key: the
      // next try, a new request, goes under a new key (dispatch.ts, fundsKey).
      const fundsRefusals = row.target === 'psp' ? countAttemptsWithCode(this.db, row.id, 'balance_insufficient') : 0;
      result = await this.withTimeout(dispatch(this.db, row, this.registry, this.policy.callTimeoutMs, lookupFirst, fundsRefusals), calls);
    } catch (e) {
      return this.finishFailure(row, started, toPspError(e));
    }
    this.finishSent(row, started, result, lookupFirst && isFound(result));
    return 'sent';
  }

  private withTimeout<T>(p: Promise<T>, calls: number): Promise<T> {
    // The adapter has its own timeout per call; this guard only catches an adapter that hangs
    // past it. An abandoned call may still finish: its row is retried with the same key anyway.
    const guardMs = this.policy.callTimeoutMs * calls + 5_000;
    let timer: NodeJS.Timeout;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PspError({ disposition: 'retryable', code: 'timeout', ambiguous: true, message: `no answer within ${guardMs} ms` })), guardMs);
    });
    return Promise.race([p, guard]).finally(() => clearTimeout(timer));
  }

  private finishSent(row: OutboxRow, started: Date, result: DispatchResult, found: boolean): void {
    const now = this.now();
    const at = now.toISOString();
    const payload = JSON.parse(row.payload_json) as { release_run?: string; orders?: { order: string; amount: number }[] };
    this.db.transaction(() => {
      const changed = markClaimedSent(this.db, row.id, this.id, { at, responseJson: JSON.stringify(result.response ?? null), adapter: result.adapter });
      if (!changed) this.log(`row ${row.id} changed hands during the call; its acknowledgement is recorded in psp_objects only`);
      logAttempt(this.db, { outbox_id: row.id, attempt: row.attempts + 1, started_at: started.toISOString(), finished_at: at, outcome: found ? 'found' : 'sent', error_code: null, error: null, http_status: null, actor: this.id });
      for (const obj of result.objects) {
        mergePspObject(this.db, result.adapter, obj, {
          source: found ? 'lookup' : 'ack', now, outboxKey: row.idempotency_key, entity: row.entity,
          releaseRun: payload.release_run ?? null, orders: payload.orders ?? null,
        });
      }
      writeState(this.db, 'last_success', { at, outbox_id: row.id, kind: row.kind, key: row.idempotency_key }, now);
    }).immediate();
    this.offlineProbes = 0;
  }

  private finishFailure(row: OutboxRow, started: Date, err: PspError): Outcome {
    const now = this.now();
    const at = now.toISOString();
    const p = this.policy;
    let outcome: Outcome;
    let status: 'failed' | 'dead' | 'pending';
    let attempts = row.attempts;
    let next = now.getTime();
    let message = err.message;
    switch (err.disposition) {
      case 'offline':
        outcome = 'offline';
        status = row.attempts === 0 ? 'pending' : 'failed';
        this.pausedUntil = now.getTime() + backoffDelay(++this.offlineProbes, { baseMs: p.offlineBaseMs, maxMs: p.offlineMaxMs }, this.random);
        break;
      case 'blocked':
        outcome = 'blocked';
        status = row.attempts === 0 ? 'pending' : 'failed';
        this.pausedUntil = now.getTime() + p.blockedDelayMs;
        break;
      case 'retryable':
        if (err.code === 'balance_insufficient') {
          // Not a failure of the call: the funds are not available yet. Wait, spend no attempt.
          outcome = 'retry';
          status = row.attempts === 0 ? 'pending' : 'failed';
          next += Math.max(p.fundsRetryMs, err.retryAfterMs ?? 0);
          message = `waiting for available funds: ${err.message}`;
          break;
        }
        if (err.code === 'rate_limited' || err.code === 'conflict') {
          // The PSP asked us to slow down: not a failure of the call, no attempt spent.
          outcome = 'rate_limited';
          status = row.attempts === 0 ? 'pending' : 'failed';
          const wait = backoffDelay(Math.max(1, row.attempts), p, this.random, err.retryAfterMs);
          next += wait;
          this.pausedUntil = Math.max(this.pausedUntil, now.getTime() + (err.retryAfterMs ?? 0));
          break;
        }
        attempts += 1;
        if (attempts >= p.maxAttempts) {
          outcome = 'dead';
          status = 'dead';
          message = `gave up after ${attempts} attempts; last error: ${err.message}`;
        } else {
          outcome = 'retry';
          status = 'failed';
          next += backoffDelay(attempts, p, this.random, err.retryAfterMs);
        }
        break;
      case 'permanent':
      default:
        attempts += 1;
        outcome = 'dead';
        status = 'dead';
        message = `refused: ${err.message}`;
        break;
    }
    const nextAt = new Date(next).toISOString();
    this.db.transaction(() => {
      markClaimedFailed(this.db, row.id, this.id, { status, attempts, nextAt, message, code: err.code, at });
      // Offline probes are not attempts of the call; they would flood the log during an outage.
      if (outcome !== 'offline') {
        logAttempt(this.db, {
          outbox_id: row.id, attempt: attempts, started_at: started.toISOString(), finished_at: at,
          outcome: outcome === 'rate_limited' ? 'retry' : outcome === 'blocked' ? 'blocked' : outcome === 'dead' ? 'dead' : 'retry',
          error_code: err.code, error: message, http_status: err.httpStatus, actor: this.id,
        });
      }
      writeState(this.db, 'last_error', { at, outbox_id: row.id, kind: row.kind, code: err.code, message, disposition: err.disposition }, now);
      if (outcome === 'offline') {
        if (!readState(this.db, 'offline_since')) writeState(this.db, 'offline_since', { at }, now);
      }
    }).immediate();
    if (outcome !== 'offline') this.clearOffline(now);
    this.log(`row ${row.id} ${row.kind} ${row.idempotency_key}: ${outcome} (${err.code}: ${message})${status === 'failed' ? `, next try ${nextAt}` : ''}`);
    return outcome;
  }

  private clearOffline(now: Date): void {
    if (readState(this.db, 'offline_since')) deleteState(this.db, 'offline_since');
    void now;
  }

  /**
   * Sends every row that is due now, one at a time, until none is left, the PSP is unreachable
   * or refuses us, or the signal is aborted (the call in progress is finished first).
   */
  async drain(signal?: AbortSignal): Promise<DrainReport> {
    const report: DrainReport = { processed: 0, sent: 0, retried: 0, dead: 0, offline: false, blocked: false, rateLimited: false, stopped: false };
    if (!this.locked) this.acquire();
    while (true) {
      if (signal?.aborted) { report.stopped = true; break; }
      if (this.now().getTime() < this.pausedUntil) break;
      const row = this.claimNext();
      if (!row) break;
      const outcome = await this.process(row);
      report.processed++;
      if (outcome === 'sent' || outcome === 'found') report.sent++;
      else if (outcome === 'retry') report.retried++;
      else if (outcome === 'dead') report.dead++;
      else if (outcome === 'offline') { report.offline = true; break; }
      else if (outcome === 'blocked') { report.blocked = true; break; }
      else if (outcome === 'rate_limited') { report.rateLimited = true; }
    }
    if (report.sent > 0 && !report.offline) this.clearOffline(this.now());
    return report;
  }

  /** When the next row falls due (ms from now), or null when nothing waits. */
  nextDueInMs(): number | null {
    const at = earliestDue(this.db, this.registry.targets());
    if (at === null) return null;
    if (at === '') return 0;
    return Math.max(0, Date.parse(at) - this.now().getTime());
  }

  /**
   * Runs until the signal is aborted: drain, then sleep until the next row is due (at most
   * `pollMs`, so rows enqueued by another process are picked up), and again. `onTick` runs
   * before each drain (inbound feeds use it).
   */
  async run(opts: { signal: AbortSignal; pollMs: number; onTick?: () => Promise<void> | void; onDrain?: (r: DrainReport) => void }): Promise<void> {
    this.acquire();
    try {
      while (!opts.signal.aborted) {
        if (opts.onTick) await opts.onTick();
        const report = await this.drain(opts.signal);
        opts.onDrain?.(report);
        if (opts.signal.aborted) break;
        const due = this.nextDueInMs();
        const paused = Math.max(0, this.pausedUntil - this.now().getTime());
        const wait = Math.max(paused, Math.min(opts.pollMs, due ?? opts.pollMs));
        await this.sleep(Math.max(wait, 10), opts.signal);
      }
    } finally {
      this.release();
    }
  }
}

function isFound(r: DispatchResult): boolean {
  return typeof r.response === 'object' && r.response !== null && 'found' in r.response;
}

export function toPspError(e: unknown): PspError {
  if (e instanceof PspError) return e;
  const err = e as { code?: string; message?: string };
  return new PspError({ disposition: 'permanent', code: typeof err?.code === 'string' ? err.code : 'adapter_error', message: err?.message ?? String(e), cause: e });
}
