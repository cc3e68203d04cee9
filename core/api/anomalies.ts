// Anomalies: things a finance controller must look at. A small registry of providers, each
// listing the anomalies of one kind; `anomalies.list` runs them and keeps what the caller's
// scope may see (an anomaly is visible to the users of any entity it names).
//
// To add a kind from another module (dead-lettered outbox rows, reconciliation mismatches...):
//
//   import { registerAnomalyProvider } from './anomalies.js';
//   registerAnomalyProvider({
//     kind: 'outbox_dead', description: 'Calls the outbox gave up on',
//     list: ({ db, at, scope }) => [{ kind: 'outbox_dead', severity: 'error', message: '...', entities: ['LYON'], ref: 'outbox:42' }],
//   });
//
// at the top level of a module that core/api/index.ts imports (every handler module is), so it
// is registered before the first call. Registering a kind again replaces the provider.
import { z } from 'zod';
import { isoUtc, toMs } from '../domain/time.js';
import { escrowLeftOnClosedOrders, lastRunAsOf, pspAccounts, networkSetting, transfersWithCancelledCall } from '../store/release-repo.js';
import { openOffersDueBy } from '../store/routing-repo.js';
import type { Db } from '../store/db.js';
import { ApiError } from './errors.js';
import { entityPositions, momentOf, positions } from './escrow.js';
import { ALL_ROLES, defineHandler } from './handler.js';
import type { Scope } from './principal.js';

export interface Anomaly {
  kind: string;
  severity: 'error' | 'warning';
  message: string;
  /** Entities concerned: who may see it (network-wide roles see every anomaly). */
  entities: string[];
  order?: string;
  currency?: string;
  amount?: number;
  /** A reference to the object concerned (`transfer:tr_...`, `offer:12`, `outbox:42`). */
  ref?: string;
  details?: Record<string, unknown>;
}

export interface AnomalyContext {
  db: Db;
  /** The moment the anomalies are judged at. */
  at: Date;
  /** The caller's scope, for providers that can narrow their query (filtering is done anyway). */
  scope: Scope;
}

export interface AnomalyProvider {
  kind: string;
  description: string;
  list(ctx: AnomalyContext): Anomaly[];
}

const providers = new Map<string, AnomalyProvider>();

export function registerAnomalyProvider(p: AnomalyProvider): void {
  providers.set(p.kind, p);
}

export function anomalyProviders(): readonly AnomalyProvider[] {
  return [...providers.values()];
}

// ---- Built-in kinds -------------------------------------------------------------------------

registerAnomalyProvider({
  kind: 'escrow_not_zero',
  description: 'Orders closed before the last release run (every line cancelled, returned or released) with money still in escrow for an entity',
  list: ({ db }) => {
    const last = lastRunAsOf(db);
    if (last === null) return [];
    const lastIso = isoUtc(last);
    const rows = escrowLeftOnClosedOrders(db, lastIso);
    if (rows.length === 0) return [];
    const accounts = pspAccounts(db);
    const platform = networkSetting<string | null>(db, 'platform_entity', null);
    const balances = new Map(entityPositions(positions(db, last, { entities: [...new Set(rows.map((r) => r.entity))] })).map((b) => [`${b.entity}\u0000${b.currency}`, b]));
    return rows.map((r) => {
      const left = r.payout - r.transferred;
      const unpaid = balances.get(`${r.entity}\u0000${r.currency}`)?.unpaid ?? 0;
      const why = r.entity !== platform && !accounts.get(r.entity) ? 'no_psp_account' : unpaid <= 0 ? 'netted_against_debt' : 'not_released';
      return {
        kind: 'escrow_not_zero', severity: why === 'not_released' ? 'error' as const : 'warning' as const,
        message: `order ${r.order} is closed but ${left} ${r.currency} of ${r.entity}'s share is still in escrow (${why.replace(/_/g, ' ')})`,
        entities: [r.entity], order: r.order, currency: r.currency, amount: left,
        details: { payout: r.payout, transferred: r.transferred, reason: why, last_run_as_of: lastIso },
      };
    });
  },
});

registerAnomalyProvider({
  kind: 'negative_balance',
  description: 'Entities that owe the network: more was transferred to them than their released shares (a return after release), netted against their next transfers',
  list: ({ db, at, scope }) => entityPositions(positions(db, at.getTime(), { entities: scope.entityList() }))
    .filter((b) => b.unpaid < 0)
    .map((b) => ({
      kind: 'negative_balance', severity: b.balance < 0 ? 'error' as const : 'warning' as const,
      message: `${b.entity} owes the network ${-b.unpaid} ${b.currency}${b.balance < 0 ? ', more than its shares still held' : '; netted against its next transfers'}`,
      entities: [b.entity], currency: b.currency, amount: b.unpaid, details: { ...b },
    })),
});

registerAnomalyProvider({
  kind: 'missing_psp_account',
  description: 'Entities with released money that cannot be transferred: no PSP account',
  list: ({ db, at, scope }) => {
    const accounts = pspAccounts(db);
    const platform = networkSetting<string | null>(db, 'platform_entity', null);
    return entityPositions(positions(db, at.getTime(), { entities: scope.entityList() }))
      .filter((b) => b.unpaid > 0 && b.entity !== platform && !accounts.get(b.entity))
      .map((b) => ({
        kind: 'missing_psp_account', severity: 'error' as const, message: `${b.entity} has ${b.unpaid} ${b.currency} released but no PSP account to transfer it to`,
        entities: [b.entity], currency: b.currency, amount: b.unpaid,
      }));
  },
});

// Released money is the entity's: between runs it waits for the next one (a warning, so the
// figure is counted and shown); what was already releasable at the last run and is still not
// transferred missed a run (an error). No PSP account is `missing_psp_account`'s case.
registerAnomalyProvider({
  kind: 'released_not_transferred',
  description: 'Money released to an entity but not yet transferred: waiting for the next release run, or missed by the last one',
  list: ({ db, at, scope }) => {
    const accounts = pspAccounts(db);
    const platform = networkSetting<string | null>(db, 'platform_entity', null);
    const last = lastRunAsOf(db);
    const entities = scope.entityList();
    // Released by the last run's moment (a run is made after its as_of, so transfers count as of now).
    const releasedAtLast = new Map(last === null ? [] : entityPositions(positions(db, last, { entities })).map((b) => [`${b.entity}\u0000${b.currency}`, b.released]));
    return entityPositions(positions(db, at.getTime(), { entities }))
      .filter((b) => b.unpaid > 0 && b.entity !== platform && accounts.get(b.entity))
      .map((b) => {
        const missed = Math.min(b.unpaid, Math.max(0, (releasedAtLast.get(`${b.entity}\u0000${b.currency}`) ?? 0) - b.transferred));
        return {
          kind: 'released_not_transferred', severity: missed > 0 ? 'error' as const : 'warning' as const,
          message: missed > 0
            ? `${b.entity} has ${b.unpaid} ${b.currency} released but not transferred, ${missed} of it since the last run`
            : `${b.entity} has ${b.unpaid} ${b.currency} released, to transfer at the next run`,
          entities: [b.entity], currency: b.currency, amount: b.unpaid,
          details: { missed_last_run: missed, last_run_as_of: last === null ? null : isoUtc(last) },
        };
      });
  },
});

registerAnomalyProvider({
  kind: 'transfer_not_sent',
  description: 'Transfers counted as paid whose outbox call was cancelled: the money is still in escrow',
  list: ({ db }) => transfersWithCancelledCall(db)
    .map((t) => ({
      kind: 'transfer_not_sent', severity: 'error' as const,
      message: `${t.kind} ${t.id} of ${t.amount} ${t.currency} to ${t.entity} (run ${t.run_id}) was cancelled in the outbox but counts as paid`,
      entities: [t.entity], currency: t.currency, amount: t.amount, ref: `transfer:${t.id}`, details: { outbox_id: t.outbox_id, run: t.run_id },
    })),
});

registerAnomalyProvider({
  kind: 'offer_overdue',
  description: 'Requests more than an hour past their deadline and still open: the routing scheduler is not running',
  list: ({ db, at }) => {
    const bound = at.getTime() - 3_600_000;
    return openOffersDueBy(db, isoUtc(bound + 1000))
      .filter((o) => toMs(o.deadline_at) <= bound)
      .map((o) => ({
        kind: 'offer_overdue', severity: 'warning' as const,
        message: `line ${o.line_id} of order ${o.order_id}, offered to ${o.location}, is still open past its deadline ${o.deadline_at}`,
        entities: [...new Set([o.entity, o.operator])], order: o.order_id, ref: `offer:${o.id}`,
      }));
  },
});

// ---- The operation ----------------------------------------------------------------------------

export const anomaliesHandlers = {
  'anomalies.list': defineHandler({
    summary: 'Anomalies to look at (escrow not reaching zero, negative balances, ...), from every registered provider, within your scope',
    input: z.object({ kinds: z.array(z.string()).optional(), entity: z.string().optional(), at: z.string().optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const atMs = momentOf(ctx, input.at);
      if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
      const chosen = anomalyProviders().filter((p) => input.kinds === undefined || input.kinds.includes(p.kind));
      const unknown = (input.kinds ?? []).filter((k) => !providers.has(k));
      if (unknown.length > 0) {
        throw new ApiError('invalid_input', `unknown anomaly kinds: ${unknown.join(', ')}`, unknown.map((k) => ({ path: 'kinds', code: 'unknown_kind', message: `no anomaly kind ${JSON.stringify(k)}` })));
      }
      const actx: AnomalyContext = { db: ctx.db, at: new Date(atMs), scope: ctx.scope };
      const anomalies: Anomaly[] = [];
      const failures: { kind: string; message: string }[] = [];
      for (const p of chosen) {
        try {
          anomalies.push(...p.list(actx));
        } catch (e) {
          failures.push({ kind: p.kind, message: (e as Error).message ?? String(e) });
        }
      }
      const visible = anomalies.filter((a) => (ctx.scope.networkWide || a.entities.some((e) => ctx.scope.canSee(e)))
        && (input.entity === undefined || a.entities.includes(input.entity)));
      const counts: Record<string, number> = {};
      for (const a of visible) counts[a.kind] = (counts[a.kind] ?? 0) + 1;
      return {
        at: isoUtc(atMs),
        kinds: chosen.map((p) => ({ kind: p.kind, description: p.description })),
        counts,
        anomalies: visible,
        // A provider that fails is reported, not fatal: the others still answer.
        failures: ctx.scope.networkWide ? failures : failures.map((f) => ({ kind: f.kind, message: 'failed' })),
      };
    },
  }),
};
