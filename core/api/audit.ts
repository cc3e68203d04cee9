// Reading the audit trail: a filtered, paginated list, a CSV export and the chain check.
// Head office and auditors read every row; a controller reads the rows concerning the entities
// of their regions, a store manager those of their own entities (and both their own sign-ins).
// A row that also concerns an entity outside the reader's scope is shown without its input and
// before/after (`redacted: true`): another entity's data never leaks through the trail.
import { z } from 'zod';
import type { AuditRow } from '../security/audit-chain.js';
import { countAudit, listAudit, verifyAuditLog, type AuditFilter } from '../store/audit-repo.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';
import type { Role } from './principal.js';
import { csvText, type CsvCell } from '../domain/csv.js';

const Timestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/, 'a date or ISO 8601 UTC time');

const Filters = {
  /** Exact operation name, or a prefix ending with `*` (`users.*`). */
  operation: z.string().min(1).max(100).optional(),
  /** User id of the actor. */
  actor: z.string().min(1).max(100).optional(),
  entity: z.string().min(1).max(64).optional(),
  outcome: z.enum(['ok', 'refused']).optional(),
  from: Timestamp.optional(),
  to: Timestamp.optional(),
};

const CHAIN_READERS: readonly Role[] = ['admin', 'finance', 'auditor'];
/** A head hash published earlier (ventil audit verify prints it). */
export const AuditHead = z.string().regex(/^[0-9a-f]{64}$/, 'a head hash: 64 lower-case hexadecimal digits');

function filterOf(ctx: ApiContext, input: { operation?: string; actor?: string; entity?: string; outcome?: 'ok' | 'refused'; from?: string; to?: string }, limit: number, before?: number): AuditFilter {
  if (input.entity !== undefined) ctx.scope.assertEntity(input.entity);
  return {
    scope: ctx.scope.entityList(), self: ctx.scope.networkWide ? null : ctx.principal.userId,
    operation: input.operation, actor: input.actor, entity: input.entity, outcome: input.outcome, from: input.from, to: input.to,
    before, limit,
  };
}

export interface AuditView {
  seq: number; at: string; actor: { id: string; name: string; role: string }; operation: string; outcome: string;
  entities: string[]; input: unknown; before: unknown; after: unknown; redacted: boolean; prev_hash: string; hash: string;
}

function view(ctx: ApiContext, r: AuditRow): AuditView {
  const entities = JSON.parse(r.entities_json) as string[];
  // Someone else's row that reaches beyond the reader's scope: who/what/when only.
  const redacted = !ctx.scope.networkWide && r.actor_id !== ctx.principal.userId && entities.some((e) => !ctx.scope.canSee(e));
  const parse = (t: string | null) => (t === null ? null : JSON.parse(t));
  return {
    seq: r.seq, at: r.at, actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role }, operation: r.operation, outcome: r.outcome,
    entities: redacted ? entities.filter((e) => ctx.scope.canSee(e)) : entities,
    input: redacted ? null : parse(r.input_json), before: redacted ? null : parse(r.before_json), after: redacted ? null : parse(r.after_json),
    redacted, prev_hash: r.prev_hash, hash: r.hash,
  };
}

const CSV_COLUMNS = ['seq', 'at', 'actor_id', 'actor_name', 'actor_role', 'operation', 'outcome', 'entities', 'input', 'before', 'after', 'prev_hash', 'hash'] as const;

/** A cell of the export: text as it is, numbers as numbers, anything else as JSON. */
function csvCell(value: unknown): CsvCell {
  return value === null || value === undefined || typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
}

export const EXPORT_MAX_ROWS = 200_000;

export const auditHandlers = {
  'audit.list': defineHandler({
    summary: 'Audit trail rows, newest first, filtered and paginated (keyset: pass `next_before` back as `before`)',
    input: z.object({
      ...Filters,
      before: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const f = filterOf(ctx, input, input.limit, input.before);
      const rows = listAudit(ctx.db, f).map((r) => view(ctx, r));
      const total = countAudit(ctx.db, { ...f, before: undefined });
      return { total, rows, next_before: rows.length === input.limit ? rows[rows.length - 1]!.seq : null };
    },
  }),

  'audit.export': defineHandler({
    summary: 'The audit rows matching the filters as CSV (UTF-8, comma-separated, oldest first)',
    input: z.object(Filters).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      const f = filterOf(ctx, input, EXPORT_MAX_ROWS + 1);
      const rows = listAudit(ctx.db, f).map((r) => view(ctx, r));
      const truncated = rows.length > EXPORT_MAX_ROWS;
      const kept = rows.slice(0, EXPORT_MAX_ROWS).reverse();
      const lines: CsvCell[][] = [[...CSV_COLUMNS]];
      for (const r of kept) {
        lines.push([r.seq, r.at, r.actor.id, r.actor.name, r.actor.role, r.operation, r.outcome, r.entities.join(' '),
          r.redacted ? '[redacted]' : r.input, r.redacted ? '' : r.before, r.redacted ? '' : r.after, r.prev_hash, r.hash].map(csvCell));
      }
      const stamp = ctx.now().toISOString().slice(0, 10).replace(/-/g, '');
      return { filename: `ventil-audit-${stamp}.csv`, content_type: 'text/csv; charset=utf-8', rows: kept.length, truncated, csv: csvText(lines) };
    },
  }),

  'audit.verify': defineHandler({
    summary: 'Check the audit trail\'s hash chain and append-only triggers; names every altered row; with `expect`, checks a head published earlier is still in the chain',
    input: z.object({ expect: AuditHead.optional() }).strict(),
    roles: CHAIN_READERS,
    mutates: false,
    run: (ctx, input) => verifyAuditLog(ctx.db, { expect: input.expect }),
  }),
};
