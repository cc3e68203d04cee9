// Writing a release run (docs/spec.md section 8, docs/release.md): plan what became releasable as of
// a moment less what earlier runs paid (core/domain/release-plan.ts), then write the run, its
// transfers, their items and one outbox call per transfer, all in the caller's transaction:
// a run is stored whole or not at all. Ids and idempotency keys are derived from what each
// transfer pays, never random, so a run interrupted and started again produces the same keys,
// and a run repeated with nothing new releases nothing.
import { createHash } from 'node:crypto';
import { planRelease, type Carried, type PlannedTransfer, type Recovery } from '../domain/release-plan.js';
import { isoUtc, toMs } from '../domain/time.js';
import {
  insertRun, insertTransfer, lastRunAsOf, networkSetting, paidLedger, priorTransfers, pspAccounts, releasedLedger,
} from '../store/release-repo.js';
import type { Db } from '../store/db.js';
import { lockUntilCommit } from '../store/dialect.js';
import { postTransferBooks } from './books-runner.js';
import { enqueue } from '../sync/outbox.js';
import { ApiError } from './errors.js';

export interface ReleaseOptions {
  /** The moment shares are released as of (ISO); at most `now`, and not before the last run. */
  asOf: string;
  now: Date;
  actor: string;
  /** Plan only: nothing is written. */
  dryRun?: boolean;
  /**
   * Called with the plan before anything is written (not for a dry run, nor an empty plan); it
   * may refuse by throwing (a run that needs an approval it does not have).
   */
  beforeWrite?: (plan: ReleaseResult) => void;
}

export interface TransferView {
  id: string;
  kind: PlannedTransfer['kind'];
  entity: string;
  currency: string;
  amount: number;
  idempotency_key: string;
  reverses: string | null;
  destination: string | null;
  /** Orders paid (or taken back), with the amount per order. */
  orders: { order: string; amount: number }[];
  items: number;
}

export interface ReleaseResult {
  as_of: string;
  dry_run: boolean;
  recovery: Recovery;
  /** The run written (or that would be), null when nothing is releasable. */
  run: { id: string; created_at: string; transfer_count: number } | null;
  transfers: TransferView[];
  /** Entities and currencies with nothing paid this run: net ≤ 0 (owed to the network) or no PSP account. */
  carried: Carried[];
  /** sha256 of as_of and the transfers' keys: the same plan always has the same hash (an approval names it). */
  plan_hash: string;
}

/** Environment hook for fault tests: SIGKILL the process after writing this many transfers. */
export const KILL_AFTER_ENV = 'VENTIL_FAULT_RELEASE_KILL_AFTER';

const PREFIX: Record<PlannedTransfer['kind'], string> = { transfer: 'ventil.tr', withdrawal: 'ventil.po', reversal: 'ventil.trr' };

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The idempotency key and id of a transfer: a hash of what it pays (kind, entity, currency, the
 * transfer it reverses, and each line with the amount paid before and the amount now).
 */
export function transferIdentity(t: PlannedTransfer): { key: string; id: string; hash: string } {
  const parts = [t.kind, t.entity, t.currency, t.reverses?.key ?? '', ...t.items.map((i) => `${i.order}\u0001${i.line}\u0001${i.paid_before}\u0001${i.amount}`)];
  const hash = sha256(JSON.stringify(parts));
  const readable = `${PREFIX[t.kind]}:${t.entity}:${t.currency}:${hash.slice(0, 40)}`;
  const key = readable.length <= 255 && /^[\x21-\x7e]+$/.test(readable) ? readable : `${PREFIX[t.kind]}:${hash}`;
  return { key, id: `tr_${hash.slice(0, 32)}`, hash };
}

/** Per order: what the items pay, without zeros, in order id order. */
function perOrder(items: readonly { order: string; amount: number }[], sign = 1): { order: string; amount: number }[] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i.order, (m.get(i.order) ?? 0) + sign * i.amount);
  return [...m].filter(([, a]) => a !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([order, amount]) => ({ order, amount }));
}

export function runRelease(db: Db, opts: ReleaseOptions): ReleaseResult {
  let asOfMs: number;
  try {
    asOfMs = toMs(opts.asOf);
  } catch {
    throw new ApiError('invalid_input', `as_of ${JSON.stringify(opts.asOf)} is not an ISO 8601 time`, [{ path: 'as_of', code: 'invalid_time', message: 'not an ISO 8601 time' }]);
  }
  const asOf = isoUtc(asOfMs);
  // One release run at a time: the plan read below must not interleave with another run's write.
  lockUntilCommit(db, 'release');
  const nowMs = opts.now.getTime();
  if (asOfMs > nowMs) {
    throw new ApiError('as_of_in_future', `cannot release as of ${asOf}: it is after now (${isoUtc(nowMs)}); money is released once its release time has passed`,
      [{ path: 'as_of', code: 'as_of_in_future', message: 'after now' }]);
  }
  const last = lastRunAsOf(db);
  if (last !== null && asOfMs < last) {
    throw new ApiError('as_of_before_last_run', `cannot release as of ${asOf}: a run as of ${isoUtc(last)} was already made; release runs go forward in time`,
      [{ path: 'as_of', code: 'as_of_before_last_run', message: `before ${isoUtc(last)}` }]);
  }
  const platform = networkSetting<string | null>(db, 'platform_entity', null);
  if (platform === null) throw new ApiError('no_network', 'no network is set up (import a scenario first)');
  const recovery = networkSetting<Recovery>(db, 'after_release_recovery', 'net');
  const accounts = pspAccounts(db);
  const plan = planRelease({
    released: releasedLedger(db, asOfMs),
    paid: paidLedger(db),
    platform,
    recovery,
    hasAccount: (e) => !!accounts.get(e),
    priorTransfers: (e, c) => priorTransfers(db, e, c),
  });

  const identified = plan.transfers.map((t) => ({ t, ...transferIdentity(t) }));
  const createdAt = opts.now.toISOString();
  const contentHash = sha256(`${asOf}\n${identified.map((x) => x.key).join('\n')}`);
  const runId = `rr_${asOf.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}_${contentHash.slice(0, 16)}`;
  const views: TransferView[] = identified.map(({ t, key, id }) => ({
    id, kind: t.kind, entity: t.entity, currency: t.currency, amount: t.amount, idempotency_key: key,
    reverses: t.reverses?.id ?? null,
    destination: t.kind === 'withdrawal' ? null : (accounts.get(t.entity) ?? null),
    orders: perOrder(t.items),
    items: t.items.length,
  }));
  const result: ReleaseResult = {
    as_of: asOf, dry_run: !!opts.dryRun, recovery,
    run: identified.length === 0 ? null : { id: runId, created_at: createdAt, transfer_count: identified.length },
    transfers: views, carried: plan.carried, plan_hash: contentHash,
  };
  if (opts.dryRun || identified.length === 0) return result;
  opts.beforeWrite?.(result);

  const write = () => {
    insertRun(db, { id: runId, as_of: asOf, created_at: createdAt, recovery, transfer_count: identified.length, content_hash: contentHash, actor: opts.actor });
    const killAfter = process.env[KILL_AFTER_ENV] === undefined ? -1 : Number(process.env[KILL_AFTER_ENV]);
    identified.forEach(({ t, key, id }, n) => {
      const view = views[n]!;
      insertTransfer(db, {
        id, run_id: runId, entity: t.entity, currency: t.currency, amount: t.amount, kind: t.kind, idempotency_key: key, status: 'queued',
        created_at: createdAt, reverses: t.reverses?.id ?? null, destination: view.destination,
      }, t.items.map((i) => ({ order_id: i.order, line_id: i.line, amount: i.amount })));
      const description = `Ventil release ${runId}`;
      if (t.kind === 'transfer') {
        enqueue(db, {
          kind: 'psp.transfer', idempotencyKey: key, now: opts.now,
          payload: { entity: t.entity, destination: view.destination ?? undefined, currency: t.currency, amount: t.amount, release_run: runId, orders: view.orders, description },
        });
      } else if (t.kind === 'withdrawal') {
        enqueue(db, { kind: 'psp.payout', idempotencyKey: key, now: opts.now, payload: { entity: t.entity, currency: t.currency, amount: t.amount, release_run: runId, description } });
      } else {
        enqueue(db, {
          kind: 'psp.transfer_reversal', idempotencyKey: key, now: opts.now,
          payload: { entity: t.entity, currency: t.currency, amount: -t.amount, transfer_key: t.reverses!.key, reason: 'return_after_release', orders: perOrder(t.items, -1) },
        });
      }
      if (n + 1 === killAfter) {
        process.kill(process.pid, 'SIGKILL');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000); // never returns: the signal lands first
      }
    });
    // The books follow in the same transaction: every transfer is posted in both entities' books.
    postTransferBooks(db, opts.now);
  };
  if (db.inTransaction) write();
  else db.transaction(write).immediate();
  return result;
}
