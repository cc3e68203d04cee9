// The sync area of the API: the state of the outbox (what waits, what failed, what is dead),
// the operator actions on it (retry, cancel), incoming PSP events, and reconciliation runs.
// Head office (admin, finance) acts; controllers and auditors read; a store manager (and a
// regional controller) sees only the rows concerning the entities in their scope, through each
// row's `entity` (docs/sync.md, "Who sees what").
import { z } from 'zod';
import { ConfigError, describeConfig, loadPspConfig } from '../adapters/registry.js';
import type { OutboxStatus } from '../store/schema.js';
import {
  cancelRow, countOutbox, getOutboxRow, listAttempts, listOutbox, readState, retryRow, type OutboxRow,
} from '../sync/outbox.js';
import { OUTBOX_KINDS } from '../sync/payloads.js';
import { applyPspEvents, applyWebhook, eventsOf } from '../sync/psp-events.js';
import { listItems, listRuns, reconcile, type RunRow } from '../sync/reconcile.js';
import type { LockHolder } from '../sync/runner.js';
import { OUTBOX_STATUSES } from '../../common/vocabulary.js';
import {
  explanationOf, explanationsOfRun, getReconciliationRun, insertExplanation, reconciliationItem, unexplainedMismatches,
} from '../store/reconciliation-repo.js';
import { outboxHighlights } from '../store/outbox-repo.js';
import { listPspObjects } from '../store/psp-repo.js';
import { statesWithPrefix } from '../store/sync-state-repo.js';
import { registerAnomalyProvider } from './anomalies.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler, type ApiContext } from './handler.js';

/** What `sync.status` answers; the runner, feeds and configuration only to network-wide roles. */
export interface SyncStatus {
  counts: ReturnType<typeof countOutbox>;
  last_success: { id: number; kind: string; entity: string | null; idempotency_key: string; sent_at: string } | null;
  last_error: { id: number; kind: string; entity: string | null; status: OutboxStatus; code: string | null; message: string | null; at: string } | null;
  next_attempt_at: string | null;
  psp_failures: number;
  runner?: LockHolder | null;
  offline_since?: string | null;
  last_runner_error?: unknown;
  feeds?: Record<string, unknown>[];
  config?: Record<string, unknown>;
}
/**
 * The largest settlement report the API takes: 20 MB is about 100,000 rows, a month of a large
 * network; a longer period is reconciled in parts (each run is stored).
 */
export const RECONCILIATION_MAX_CHARS = 20_000_000;

// Mismatches of the latest reconciliation run that nobody has explained yet.
registerAnomalyProvider({
  kind: 'reconciliation_mismatch',
  description: 'Differences between the PSP\'s settlement report and Ventil\'s records (latest reconciliation run) not yet explained',
  list: ({ db }) => unexplainedMismatches(db).map((i) => ({
    kind: 'reconciliation_mismatch', severity: 'error' as const, message: i.message, entities: i.entity ? [i.entity] : [],
    ...(i.orders_json ? { order: (JSON.parse(i.orders_json) as string[])[0] } : {}),
    ...(i.currency ? { currency: i.currency } : {}), ...(i.difference !== null ? { amount: i.difference } : {}),
    ref: `reconciliation:${i.run_id}:${i.seq}`, details: { status: i.status, category: i.category, expected: i.expected, actual: i.actual, run: i.run_id, seq: i.seq },
  })),
});


function scopeSet(ctx: ApiContext): ReadonlySet<string> | null {
  return ctx.scope.entities();
}

/** A row is visible to network-wide roles, and to others when its entity is in their scope. */
function assertRowVisible(ctx: ApiContext, row: { entity: string | null }, what: string): void {
  if (ctx.scope.networkWide) return;
  if (row.entity === null || !ctx.scope.canSee(row.entity)) throw forbidden(`${what} does not concern an entity in your scope`);
}

function present(row: OutboxRow) {
  return {
    id: row.id, kind: row.kind, target: row.target, idempotency_key: row.idempotency_key, entity: row.entity, depends_on: row.depends_on,
    status: row.status, attempts: row.attempts, next_attempt_at: row.next_attempt_at, last_error: row.last_error, last_error_code: row.last_error_code,
    created_at: row.created_at, first_attempt_at: row.first_attempt_at, sent_at: row.sent_at, updated_at: row.updated_at, adapter: row.adapter,
    payload: JSON.parse(row.payload_json) as unknown,
    response: row.response_json ? (JSON.parse(row.response_json) as unknown) : null,
  };
}

/** The PSP a report comes from: given, else the configured one. */
function pspName(given: string | undefined): string {
  if (given) return given;
  try { return loadPspConfig().psp; } catch { return 'sandbox'; }
}

function presentRun(ctx: ApiContext, run: RunRow) {
  const summary = JSON.parse(run.summary_json) as { by_status: Record<string, number>; by_entity: Record<string, { matched: number; mismatches: number }> };
  if (ctx.scope.networkWide) return { ...run, summary_json: undefined, summary };
  // A scoped caller sees the counts of its own entities only.
  const byEntity = Object.fromEntries(Object.entries(summary.by_entity).filter(([e]) => ctx.scope.canSee(e)));
  const matched = Object.values(byEntity).reduce((s, x) => s + x.matched, 0);
  const mismatches = Object.values(byEntity).reduce((s, x) => s + x.mismatches, 0);
  return { id: run.id, at: run.at, psp: run.psp, source: run.source, period_from: run.period_from, period_to: run.period_to, matched, mismatches, summary: { by_entity: byEntity } };
}

export const syncHandlers = {
  'sync.status': defineHandler({
    summary: 'The outbox at a glance: pending, in flight, failed, dead-lettered; last success and last error; failures reported by the PSP',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => {
      const scope = scopeSet(ctx);
      const seen = outboxHighlights(ctx.db, scope);
      const out: SyncStatus = {
        counts: countOutbox(ctx.db, scope),
        last_success: seen.lastSent ?? null,
        last_error: seen.lastError ?? null,
        next_attempt_at: seen.nextDue,
        psp_failures: seen.pspFailures,
      };
      if (ctx.scope.networkWide) {
        const feeds = statesWithPrefix(ctx.db, 'feed.')
          .map((r) => ({ name: r.key.replace(/^feed\.pull\./, ''), ...(JSON.parse(r.value) as object), updated_at: r.updated_at }));
        let config: SyncStatus['config'];
        try { config = describeConfig(loadPspConfig()); } catch (e) { config = { error: e instanceof ConfigError ? e.message : String(e) }; }
        Object.assign(out, {
          runner: readState<LockHolder>(ctx.db, 'runner.lock'),
          offline_since: (readState<{ at: string }>(ctx.db, 'offline_since'))?.at ?? null,
          last_runner_error: readState(ctx.db, 'last_error'),
          feeds,
          config,
        });
      }
      return out;
    },
  }),

  'sync.outbox.list': defineHandler({
    summary: 'Outbox rows, newest first, filtered by status, kind or entity (scoped to the caller\'s entities)',
    input: z.object({
      status: z.union([z.enum(OUTBOX_STATUSES), z.array(z.enum(OUTBOX_STATUSES))]).optional(),
      kind: z.enum(OUTBOX_KINDS).optional(),
      entity: z.string().min(1).optional(),
      before_id: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(1000).default(100),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const status = input.status === undefined ? undefined : (Array.isArray(input.status) ? input.status : [input.status]) as OutboxStatus[];
      const rows = listOutbox(ctx.db, { status, kind: input.kind, entity: input.entity, scope: scopeSet(ctx), beforeId: input.before_id, limit: input.limit });
      return { rows: rows.map(present), next_before_id: rows.length === input.limit ? rows[rows.length - 1].id : null };
    },
  }),

  'sync.outbox.get': defineHandler({
    summary: 'One outbox row with every attempt made',
    input: z.object({ id: z.number().int().positive() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const row = getOutboxRow(ctx.db, input.id);
      if (!row) throw notFound('outbox row', String(input.id));
      assertRowVisible(ctx, row, `outbox row ${input.id}`);
      return { ...present(row), attempts_log: listAttempts(ctx.db, row.id) };
    },
  }),

  'sync.outbox.retry': defineHandler({
    summary: 'Put a dead (or failed) call back in the queue now, with a fresh attempt budget and the same idempotency key',
    input: z.object({ id: z.number().int().positive() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const before = getOutboxRow(ctx.db, input.id);
      if (!before) throw notFound('outbox row', String(input.id));
      const row = retryRow(ctx.db, input.id, ctx.principal.userId, ctx.now());
      ctx.audit({ entities: row.entity ? [row.entity] : [], before: { status: before.status, attempts: before.attempts, last_error: before.last_error }, after: { status: row.status } });
      return present(row);
    },
  }),

  'sync.outbox.cancel': defineHandler({
    summary: 'Cancel a call that is not sent (pending, failed or dead); says whether the PSP may have applied it anyway',
    input: z.object({ id: z.number().int().positive(), reason: z.string().trim().min(3).max(500) }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const before = getOutboxRow(ctx.db, input.id);
      if (!before) throw notFound('outbox row', String(input.id));
      const { row, mayHaveBeenApplied } = cancelRow(ctx.db, input.id, ctx.principal.userId, input.reason, ctx.now());
      ctx.audit({ entities: row.entity ? [row.entity] : [], before: { status: before.status }, after: { status: row.status, reason: input.reason } });
      return { ...present(row), may_have_been_applied: mayHaveBeenApplied };
    },
  }),

  'sync.psp_objects.list': defineHandler({
    summary: 'What the PSP confirmed (transfers, reversals, refunds, payouts, captures), scoped to the caller\'s entities',
    input: z.object({
      type: z.enum(['capture', 'transfer', 'transfer_reversal', 'refund', 'payout']).optional(),
      entity: z.string().min(1).optional(),
      failed_only: z.boolean().default(false),
      limit: z.number().int().min(1).max(1000).default(100),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const rows = listPspObjects(ctx.db, { type: input.type, entity: input.entity, failedOnly: input.failed_only, scope: scopeSet(ctx), limit: input.limit });
      return rows.map((r) => ({ ...r, orders_json: undefined, orders: r.orders_json ? JSON.parse(r.orders_json) as { order: string; amount: number }[] : null }));
    },
  }),

  'sync.psp_events.apply': defineHandler({
    summary: 'Apply PSP events (a file of Stripe events, or one signed webhook payload); idempotent and order-independent',
    input: z.object({
      events: z.unknown().optional(),
      payload: z.string().max(1_000_000).optional(),
      signature: z.string().max(2000).optional(),
      psp: z.string().min(1).max(40).default('stripe'),
      source: z.enum(['file', 'webhook', 'poll']).default('file'),
    }).strict().refine((x) => (x.events === undefined) !== (x.payload === undefined), 'give either events or a signed payload'),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      if (input.payload !== undefined) {
        let secret: string | null;
        try { secret = loadPspConfig().webhookSecret ?? null; } catch { secret = null; }
        return applyWebhook(ctx.db, { payload: input.payload, signature: input.signature, secret, now: ctx.now() });
      }
      const events = eventsOf(input.events);
      if (events.length > 50_000) throw new ApiError('too_many_events', 'at most 50 000 events per call');
      const report = applyPspEvents(ctx.db, events, { psp: input.psp, source: input.source, now: ctx.now() });
      ctx.audit({ entities: [...new Set(report.failures.map((f) => f.entity).filter((e): e is string => !!e))], after: { applied: report.applied, duplicates: report.duplicates } });
      return report;
    },
  }),

  'sync.reconciliation.import': defineHandler({
    summary: 'Reconcile a PSP settlement report (CSV) against Ventil\'s records and store the run',
    input: z.object({
      csv: z.string().min(1).max(RECONCILIATION_MAX_CHARS, 'a settlement report of at most 20 MB: reconcile a longer period in parts'),
      source: z.string().min(1).max(500).default('api'),
      psp: z.string().min(1).max(40).optional(),
      from: z.string().datetime().optional(),
      to: z.string().datetime().optional(),
    }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const result = reconcile(ctx.db, { csv: input.csv, source: input.source, psp: pspName(input.psp), now: ctx.now(), from: input.from, to: input.to });
      ctx.audit({ entities: Object.keys(result.by_entity).filter((e) => e !== '(none)'), after: { run_id: result.run_id, matched: result.matched, mismatches: result.mismatches } });
      return { ...result, items: result.items.filter((i) => i.status !== 'matched') };
    },
  }),

  'sync.reconciliation.list': defineHandler({
    summary: 'Reconciliation runs, and the mismatches of one run (the latest by default), per entity',
    input: z.object({
      run_id: z.number().int().positive().optional(),
      entity: z.string().min(1).optional(),
      mismatches_only: z.boolean().default(true),
      limit: z.number().int().min(1).max(10_000).default(1000),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const runs = listRuns(ctx.db, 20);
      const run = input.run_id !== undefined
        ? getReconciliationRun(ctx.db, input.run_id)
        : runs[0];
      if (input.run_id !== undefined && !run) throw notFound('reconciliation run', String(input.run_id));
      const items = run ? listItems(ctx.db, run.id, { mismatchesOnly: input.mismatches_only, entity: input.entity, scope: scopeSet(ctx), limit: input.limit }) : [];
      const explained = new Map(run ? explanationsOfRun(ctx.db, run.id).map((x) => [x.seq, x]) : []);
      return {
        runs: runs.map((r) => presentRun(ctx, r)),
        run: run ? presentRun(ctx, run) : null,
        items: items.map((i) => {
          const x = explained.get(i.seq);
          return {
            ...i, orders_json: undefined, orders: i.orders_json ? JSON.parse(i.orders_json) as string[] : null,
            explanation: x ? { note: x.note, by: { id: x.explained_by, name: x.explained_by_name }, at: x.explained_at } : null,
          };
        }),
      };
    },
  }),

  'sync.reconciliation.explain': defineHandler({
    summary: 'Mark a mismatch of a reconciliation run as explained, with a note saying why (once per mismatch)',
    input: z.object({ run_id: z.number().int().positive(), seq: z.number().int().min(0), note: z.string().trim().min(3).max(1000) }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const item = reconciliationItem(ctx.db, input.run_id, input.seq);
      if (!item) throw notFound('reconciliation item', `${input.run_id}/${input.seq}`);
      if (item.status === 'matched') throw new ApiError('not_a_mismatch', `item ${input.seq} of run ${input.run_id} matched: there is nothing to explain`);
      if (explanationOf(ctx.db, input.run_id, input.seq)) throw new ApiError('already_explained', `item ${input.seq} of run ${input.run_id} is already explained`);
      const at = ctx.now().toISOString();
      insertExplanation(ctx.db, { run_id: input.run_id, seq: input.seq, note: input.note, explained_by: ctx.principal.userId, explained_by_name: ctx.principal.name, explained_at: at });
      ctx.audit({ entities: item.entity ? [item.entity] : [], after: { run_id: input.run_id, seq: input.seq, status: item.status, note: input.note } });
      return { run_id: input.run_id, seq: input.seq, status: item.status, explanation: { note: input.note, by: { id: ctx.principal.userId, name: ctx.principal.name }, at } };
    },
  }),
};
