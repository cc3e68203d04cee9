// Release runs over the API: run (head office), preview (a dry run), list and get (each entity
// sees its own transfers), and the entities' balances (what is due at the next run, or owed to
// the network and netted). core/api/release-runner.ts writes the runs; docs/release.md says how.
import { z } from 'zod';
import { isoUtc } from '../domain/time.js';
import { getRun, itemsOfTransfers, listRuns, transfersOfRuns, type TransferWithDelivery } from '../store/release-repo.js';
import { forbidden, notFound } from './errors.js';
import { entityPositions, momentOf, positions } from './escrow.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler, type ApiContext } from './handler.js';
import { runRelease } from './release-runner.js';

const AsOf = z.string().min(1);

function transferView(t: TransferWithDelivery) {
  return {
    id: t.id, kind: t.kind, entity: t.entity, currency: t.currency, amount: t.amount, idempotency_key: t.idempotency_key,
    reverses: t.reverses, destination: t.destination, status: t.status, created_at: t.created_at, items: t.items,
    delivery: t.outbox_status === null ? null : { outbox_id: t.outbox_id, status: t.outbox_status },
  };
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
    summary: 'Release what became releasable as of T: one transfer per entity and currency, written with its outbox call in one transaction',
    input: z.object({ as_of: AsOf.optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const now = ctx.now();
      const result = runRelease(ctx.db, { asOf: input.as_of ?? isoUtc(now.getTime()), now, actor: ctx.principal.userId });
      if (result.run) ctx.audit({ entities: [...new Set(result.transfers.map((t) => t.entity))].sort(), after: { run: result.run.id, transfers: result.transfers.length } });
      return result;
    },
  }),

  'release.preview': defineHandler({
    summary: 'What a release run as of T would pay, without writing anything',
    input: z.object({ as_of: AsOf.optional() }).strict(),
    roles: [...HEAD_OFFICE_WRITERS, 'auditor'],
    mutates: false,
    run: (ctx, input) => {
      const now = ctx.now();
      return runRelease(ctx.db, { asOf: input.as_of ?? isoUtc(now.getTime()), now, actor: ctx.principal.userId, dryRun: true });
    },
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
