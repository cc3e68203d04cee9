// Release runs over the API: preview (a dry run: what each entity gets and why, totals per
// currency, whether a second person must approve), submit for approval, approve or reject (four
// eyes: never the preparer), run (head office), list and get with each transfer's PSP status
// (each entity sees its own transfers), and the entities' balances (what is due at the next
// run, or owed to the network and netted). core/api/release-runner.ts writes the runs;
// docs/release.md says how.
import { z } from 'zod';
import { FAILURE_RANK } from '../sync/psp-state.js';
import { isoUtc } from '../domain/time.js';
import { approvalNeed, pspStatus, reasonOf, runTotals, type ApprovalThreshold, type PspStatus } from '../domain/release-review.js';
import { getRun, itemsOfTransfers, listRuns, networkSetting, transfersOfRuns, type TransferWithDelivery } from '../store/release-repo.js';
import { decideApproval, getApproval, insertApproval, listApprovals, markExecuted, nextApprovalNumber, withdrawPending, type ApprovalRow } from '../store/release-approvals-repo.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { entityPositions, momentOf, positions } from './escrow.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler, type ApiContext } from './handler.js';
import { runRelease, type ReleaseResult } from './release-runner.js';

const AsOf = z.string().min(1);

/** Where a stored transfer stands at the PSP (queued, sent, paid, failed, reversed, cancelled). */
export function transferPspStatus(t: TransferWithDelivery): PspStatus {
  return pspStatus({
    outbox: t.outbox_status,
    psp: t.psp_status === null ? null : {
      status: t.psp_status, failed: (t.psp_status_rank ?? 0) >= FAILURE_RANK, amount: t.psp_amount ?? 0, amount_reversed: t.psp_amount_reversed ?? 0,
    },
  });
}

export function transferView(t: TransferWithDelivery) {
  return {
    id: t.id, run_id: t.run_id, kind: t.kind, entity: t.entity, currency: t.currency, amount: t.amount, idempotency_key: t.idempotency_key,
    reverses: t.reverses, destination: t.destination, status: t.status, created_at: t.created_at, items: t.items,
    psp_status: transferPspStatus(t),
    delivery: t.outbox_status === null ? null : {
      outbox_id: t.outbox_id!, status: t.outbox_status, attempts: t.outbox_attempts ?? 0, last_error: t.outbox_last_error,
      next_attempt_at: t.outbox_next_attempt_at, sent_at: t.outbox_sent_at,
    },
    psp: t.psp_id === null ? null : { id: t.psp_id, status: t.psp_status!, failure_code: t.psp_failure_code, amount_reversed: t.psp_amount_reversed ?? 0 },
  };
}

/** Transfers counted per PSP status. */
function statusCounts(transfers: readonly TransferWithDelivery[]): Record<PspStatus, number> {
  const out: Record<PspStatus, number> = { queued: 0, sent: 0, paid: 0, failed: 0, reversed: 0, cancelled: 0 };
  for (const t of transfers) out[transferPspStatus(t)]++;
  return out;
}

const AsOfInput = z.object({ as_of: AsOf.optional() }).strict();

function threshold(ctx: ApiContext): ApprovalThreshold {
  return networkSetting<ApprovalThreshold>(ctx.db, 'release_approval_threshold', {});
}

/** A plan with what the reviewer needs: totals per currency, why each entity gets its amount, approval. */
function review(ctx: ApiContext, plan: ReleaseResult) {
  const totals = runTotals(plan.transfers, plan.carried);
  const limits = threshold(ctx);
  return {
    ...plan,
    transfers: plan.transfers.map((t) => ({ ...t, reason: reasonOf(t) })),
    totals,
    approval: { ...approvalNeed(totals, limits), threshold: limits },
  };
}

function approvalView(a: ApprovalRow) {
  return {
    id: a.id, as_of: a.as_of, plan_hash: a.plan_hash, transfer_count: a.transfer_count, status: a.status,
    totals: JSON.parse(a.totals_json) as ReturnType<typeof runTotals>,
    prepared_by: { id: a.prepared_by, name: a.prepared_by_name }, prepared_at: a.prepared_at,
    decided_by: a.decided_by === null ? null : { id: a.decided_by, name: a.decided_by_name ?? a.decided_by }, decided_at: a.decided_at,
    note: a.note, run_id: a.run_id,
  };
}

function asOfOf(ctx: ApiContext, given: string | undefined): string {
  return given ?? isoUtc(ctx.now().getTime());
}

function loadApproval(ctx: ApiContext, id: string): ApprovalRow {
  const a = getApproval(ctx.db, id);
  if (!a) throw notFound('release approval', id);
  return a;
}

/** Checks that an approval lets this exact plan run; throws a named error otherwise. */
function checkApproval(a: ApprovalRow | undefined, plan: ReleaseResult, need: ReturnType<typeof approvalNeed>): void {
  const over = need.over.map((o) => `${o.currency} ${o.outgoing} > ${o.threshold}`).join(', ');
  if (!a) {
    if (!need.required) return;
    throw new ApiError('approval_required', `this run pays out more than the approval threshold (${over}); submit it for approval by a second person first`,
      [{ path: 'approval', code: 'approval_required', message: 'submit the run for approval, then run it once approved' }]);
  }
  if (a.status !== 'approved') {
    throw new ApiError('approval_not_approved', `approval ${a.id} is ${a.status}, not approved`, [{ path: 'approval', code: 'approval_not_approved', message: `the approval is ${a.status}` }]);
  }
  if (a.as_of !== plan.as_of || a.plan_hash !== plan.plan_hash) {
    throw new ApiError('plan_changed', `approval ${a.id} was given for another plan (as of ${a.as_of}); what is releasable changed since: submit the run again`,
      [{ path: 'approval', code: 'plan_changed', message: 'the transfers differ from the approved ones' }]);
  }
}

function visibleTransfers(ctx: ApiContext, transfers: readonly TransferWithDelivery[]) {
  return ctx.scope.filterEntities(transfers, (t) => t.entity);
}

function totals(transfers: readonly { currency: string; kind: string; amount: number }[]) {
  const m = new Map<string, { currency: string; transferred: number; withdrawn: number; reversed: number }>();
  for (const t of transfers) {
    let x = m.get(t.currency);
    if (!x) m.set(t.currency, (x = { currency: t.currency, transferred: 0, withdrawn: 0, reversed: 0 }));
    if (t.kind === 'transfer') x.transferred += t.amount;
    else if (t.kind === 'withdrawal') x.withdrawn += t.amount;
    else x.reversed += -t.amount;
  }
  return [...m.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

export const releaseHandlers = {
  'release.run': defineHandler({
    summary: 'Release what became releasable as of T: one transfer per entity and currency, written with its outbox call in one transaction; above the approval threshold, only with an approval of this exact plan',
    input: z.object({ as_of: AsOf.optional(), approval: z.string().min(1).max(100).optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const now = ctx.now();
      const approval = input.approval === undefined ? undefined : loadApproval(ctx, input.approval);
      const asOf = input.as_of ?? approval?.as_of ?? isoUtc(now.getTime());
      const result = runRelease(ctx.db, {
        asOf, now, actor: ctx.principal.userId,
        beforeWrite: (plan) => checkApproval(approval, plan, approvalNeed(runTotals(plan.transfers, plan.carried), threshold(ctx))),
      });
      if (result.run && approval) markExecuted(ctx.db, approval.id, result.run.id);
      if (result.run) ctx.audit({ entities: [...new Set(result.transfers.map((t) => t.entity))].sort(), after: { run: result.run.id, transfers: result.transfers.length, approval: approval?.id ?? null } });
      return review(ctx, result);
    },
  }),

  'release.preview': defineHandler({
    summary: 'What a release run as of T would pay, without writing anything: each entity\'s amount and why, totals per currency, and whether a second person must approve it',
    input: AsOfInput,
    roles: [...HEAD_OFFICE_WRITERS, 'auditor'],
    mutates: false,
    run: (ctx, input) => review(ctx, runRelease(ctx.db, { asOf: asOfOf(ctx, input.as_of), now: ctx.now(), actor: ctx.principal.userId, dryRun: true })),
  }),

  'release.submit': defineHandler({
    summary: 'Submit the run as of T for a second person\'s approval (four eyes); replaces an earlier pending submission',
    input: AsOfInput,
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const now = ctx.now();
      const plan = runRelease(ctx.db, { asOf: asOfOf(ctx, input.as_of), now, actor: ctx.principal.userId, dryRun: true });
      if (plan.transfers.length === 0) throw new ApiError('nothing_to_release', `nothing is releasable as of ${plan.as_of}`, [{ path: 'as_of', code: 'nothing_to_release', message: 'no transfer to approve' }]);
      const totals = runTotals(plan.transfers, plan.carried);
      const at = now.toISOString();
      const row: ApprovalRow = {
        id: `ra_${String(nextApprovalNumber(ctx.db)).padStart(5, '0')}_${plan.plan_hash.slice(0, 8)}`, as_of: plan.as_of, plan_hash: plan.plan_hash, transfer_count: plan.transfers.length,
        totals_json: JSON.stringify(totals), status: 'pending', prepared_by: ctx.principal.userId, prepared_by_name: ctx.principal.name, prepared_at: at,
        decided_by: null, decided_by_name: null, decided_at: null, note: null, run_id: null,
      };
      insertApproval(ctx.db, row);
      withdrawPending(ctx.db, row.id, ctx.principal.userId, ctx.principal.name, at);
      ctx.audit({ entities: [...new Set(plan.transfers.map((t) => t.entity))].sort(), after: approvalView(row) });
      return approvalView(row);
    },
  }),

  'release.approve': defineHandler({
    summary: 'Approve a submitted run (not by the person who submitted it); the plan must still be the one submitted',
    input: z.object({ id: z.string().min(1).max(100), note: z.string().trim().max(500).optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const a = loadApproval(ctx, input.id);
      if (a.status !== 'pending') throw new ApiError('approval_decided', `approval ${a.id} is already ${a.status}`);
      if (a.prepared_by === ctx.principal.userId) {
        throw new ApiError('four_eyes', 'the person who submitted a run cannot approve it: a second person must', [{ path: 'id', code: 'four_eyes', message: 'submitted by you' }]);
      }
      const plan = runRelease(ctx.db, { asOf: a.as_of, now: ctx.now(), actor: ctx.principal.userId, dryRun: true });
      if (plan.plan_hash !== a.plan_hash) {
        throw new ApiError('plan_changed', `what is releasable as of ${a.as_of} changed since the run was submitted; it must be submitted again`, [{ path: 'id', code: 'plan_changed', message: 'the plan changed' }]);
      }
      decideApproval(ctx.db, a.id, { status: 'approved', by: ctx.principal.userId, byName: ctx.principal.name, at: ctx.now().toISOString(), note: input.note ?? null });
      const after = approvalView(getApproval(ctx.db, a.id)!);
      ctx.audit({ entities: [...new Set(plan.transfers.map((t) => t.entity))].sort(), before: { status: a.status }, after });
      return after;
    },
  }),

  'release.reject': defineHandler({
    summary: 'Reject a submitted run with a note (its preparer withdraws it the same way)',
    input: z.object({ id: z.string().min(1).max(100), note: z.string().trim().min(3).max(500) }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const a = loadApproval(ctx, input.id);
      if (a.status !== 'pending') throw new ApiError('approval_decided', `approval ${a.id} is already ${a.status}`);
      const status = a.prepared_by === ctx.principal.userId ? 'withdrawn' : 'rejected';
      decideApproval(ctx.db, a.id, { status, by: ctx.principal.userId, byName: ctx.principal.name, at: ctx.now().toISOString(), note: input.note });
      const after = approvalView(getApproval(ctx.db, a.id)!);
      ctx.audit({ before: { status: a.status }, after });
      return after;
    },
  }),

  'release.approvals': defineHandler({
    summary: 'Runs submitted for approval, newest first (pending, approved, rejected, withdrawn, executed)',
    input: z.object({
      status: z.array(z.enum(['pending', 'approved', 'rejected', 'executed', 'withdrawn'])).optional(),
      limit: z.number().int().min(1).max(500).default(50),
    }).strict(),
    roles: [...HEAD_OFFICE_WRITERS, 'auditor'],
    mutates: false,
    run: (ctx, input) => ({ approvals: listApprovals(ctx.db, { status: input.status, limit: input.limit }).map(approvalView), threshold: threshold(ctx) }),
  }),

  'release.list': defineHandler({
    summary: 'Release runs, newest first, with their totals (a store sees its own transfers only)',
    input: z.object({ limit: z.number().int().min(1).max(1000).default(50), offset: z.number().int().min(0).default(0) }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const runs = listRuns(ctx.db, input.limit, input.offset);
      const transfers = visibleTransfers(ctx, transfersOfRuns(ctx.db, runs.map((r) => r.id)));
      const byRun = new Map<string, TransferWithDelivery[]>();
      for (const t of transfers) {
        let l = byRun.get(t.run_id);
        if (!l) byRun.set(t.run_id, (l = []));
        l.push(t);
      }
      return {
        runs: runs
          .filter((r) => ctx.scope.networkWide || byRun.has(r.id))
          .map((r) => ({
            id: r.id, as_of: r.as_of, created_at: r.created_at, recovery: r.recovery, actor: r.actor,
            transfer_count: ctx.scope.networkWide ? r.transfer_count : (byRun.get(r.id)?.length ?? 0),
            totals: totals(byRun.get(r.id) ?? []),
            statuses: statusCounts(byRun.get(r.id) ?? []),
          })),
      };
    },
  }),

  'release.get': defineHandler({
    summary: 'One release run: its transfers (with delivery state) and, with `items`, what each pays line by line',
    input: z.object({ id: z.string().min(1), items: z.boolean().default(false) }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const run = getRun(ctx.db, input.id);
      // A scoped caller gets the same answer for a run it has no transfer in and for no run at
      // all: the existence of other entities' runs is not its business.
      if (!ctx.scope.networkWide && (!run || transfersOfRuns(ctx.db, [run.id]).every((t) => !ctx.scope.canSee(t.entity)))) {
        throw forbidden(`release run ${JSON.stringify(input.id)} pays no entity in your scope`);
      }
      if (!run) throw notFound('release run', input.id);
      const transfers = visibleTransfers(ctx, transfersOfRuns(ctx.db, [run.id]));
      const items = input.items ? itemsOfTransfers(ctx.db, transfers.map((t) => t.id)) : [];
      return {
        run: { id: run.id, as_of: run.as_of, created_at: run.created_at, recovery: run.recovery, actor: run.actor, transfer_count: run.transfer_count, content_hash: run.content_hash },
        totals: totals(transfers),
        statuses: statusCounts(transfers),
        transfers: transfers.map((t) => ({
          ...transferView(t),
          ...(input.items ? { lines: items.filter((i) => i.transfer_id === t.id).map((i) => ({ order: i.order_id, line: i.line_id, amount: i.amount })) } : {}),
        })),
      };
    },
  }),

  'release.balances': defineHandler({
    summary: 'Per entity and currency at T: held, released, transferred, unpaid (due next run, or owed to the network when negative)',
    input: z.object({ entity: z.string().min(1).optional(), currency: z.string().regex(/^[A-Z]{3}$/).optional(), at: z.string().optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const atMs = momentOf(ctx, input.at);
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const entities = input.entity !== undefined ? [input.entity] : ctx.scope.entityList();
      const rows = entityPositions(positions(ctx.db, atMs, { entities })).filter((r) => input.currency === undefined || r.currency === input.currency);
      return { at: isoUtc(atMs), balances: rows.map((r) => ({ ...r, owed_to_network: r.unpaid < 0 ? -r.unpaid : 0 })) };
    },
  }),
};
