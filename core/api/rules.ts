// The rules back office: list, create, new version, retire, conflict warnings and the
// simulation of a draft rule set over the orders of a period. A new version starts no earlier
// than its publication; the version it supersedes is closed at that instant, so no stored
// allocation ever changes (docs/spec.md section 5).
import { z } from 'zod';
import { RuleSchema, type Rule } from '../domain/scenario.js';
import { toMs, isoUtc } from '../domain/time.js';
import { findRuleConflicts } from '../domain/rule-conflicts.js';
import { simulateRules } from '../domain/simulation.js';
import { listRuleVersions, insertRuleVersion, closeRuleVersion, type StoredRule } from '../store/rules-repo.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import type { Sqlite } from '../store/sqlite.js';
import { ApiError, notFound, type Issue } from './errors.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler } from './handler.js';

/** A rule as head office writes it: no version (the store numbers them). */
const RuleDraft = RuleSchema.omit({ version: true }).extend({ valid_from: z.string().optional() });
type RuleDraft = z.output<typeof RuleDraft>;

const Period = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
}).refine((p) => p.from < p.to, { message: '`to` must be after `from`', path: ['to'] });

/** Checks a draft's references against the stored network: roles, entities, regions. */
function checkRuleReferences(db: Sqlite, rule: Pick<Rule, 'when' | 'legs'>, prefix = ''): Issue[] {
  const issues: Issue[] = [];
  const entities = new Set((db.prepare('SELECT id FROM entities').all() as { id: string }[]).map((r) => r.id));
  const roles = new Set(['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller']);
  const end = (text: string, path: string) => {
    if (text.startsWith('entity:')) {
      if (!entities.has(text.slice(7))) issues.push({ path, code: 'unknown_reference', message: `no entity ${JSON.stringify(text.slice(7))}` });
    } else if (!roles.has(text)) {
      issues.push({ path, code: 'unknown_role', message: `unknown role ${JSON.stringify(text)}; use ${[...roles].join(', ')} or entity:<id>` });
    }
  };
  (rule.legs ?? []).forEach((leg, i) => {
    end(leg.to, `${prefix}legs[${i}].to`);
    end(leg.from ?? 'owner', `${prefix}legs[${i}].from`);
    if (leg.min !== null && leg.min !== undefined && leg.max !== null && leg.max !== undefined && leg.min > leg.max) {
      issues.push({ path: `${prefix}legs[${i}].min`, code: 'min_exceeds_max', message: `min ${leg.min} is above max ${leg.max}` });
    }
  });
  for (const key of ['seller', 'owner'] as const) {
    (rule.when?.[key] ?? []).forEach((id, i) => {
      if (!entities.has(id)) issues.push({ path: `${prefix}when.${key}[${i}]`, code: 'unknown_reference', message: `no entity ${JSON.stringify(id)}` });
    });
  }
  return issues;
}

function assertValid(issues: Issue[], what: string) {
  if (issues.length > 0) throw new ApiError('invalid_rule', `${what}: ${issues.length} problem(s)`, issues);
}

/** The publication instant: `valid_from` if given (not in the past), else now. */
function publicationStart(input: { valid_from?: string }, now: Date): string {
  const nowText = isoUtc(now.getTime());
  if (input.valid_from === undefined) return nowText;
  let ms: number;
  try { ms = toMs(input.valid_from); } catch {
    throw new ApiError('invalid_rule', 'invalid valid_from', [{ path: 'valid_from', code: 'invalid_time', message: 'not a date or ISO 8601 UTC time' }]);
  }
  // A date means that day; it may be today (the version then applies from now on).
  if (ms + (input.valid_from.length === 10 ? 86_400_000 : 0) <= now.getTime()) {
    throw new ApiError('invalid_rule', 'a rule version cannot start in the past', [{ path: 'valid_from', code: 'starts_in_past', message: `starts before its publication (${nowText}); changing the past is an explicit re-settlement` }]);
  }
  return ms < now.getTime() ? nowText : input.valid_from;
}

function checkValidTo(from: string, to: string | null | undefined) {
  if (to !== null && to !== undefined && toMs(to) <= toMs(from)) {
    throw new ApiError('invalid_rule', 'valid_to must be after valid_from', [{ path: 'valid_to', code: 'invalid_validity', message: 'must be after valid_from' }]);
  }
}

function conflictsFor(db: Sqlite, extra: Rule[] = []) {
  return findRuleConflicts([...loadRules(db), ...extra], loadNetwork(db));
}

export const rulesHandlers = {
  'rules.list': defineHandler({
    summary: 'Every rule with its versions, validity and status, and conflict warnings',
    input: z.object({ id: z.string().optional() }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => ({ rules: listRuleVersions(ctx.db, input.id), conflicts: conflictsFor(ctx.db) }),
  }),

  'rules.create': defineHandler({
    summary: 'Publish a new rule (version 1), valid from its publication or a later date',
    input: RuleDraft,
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      if (listRuleVersions(ctx.db, input.id).length > 0) {
        throw new ApiError('duplicate_id', `rule ${input.id} already exists; publish a new version instead`, [{ path: 'id', code: 'duplicate_id', message: 'already used' }]);
      }
      assertValid(checkRuleReferences(ctx.db, input), `rule ${input.id}`);
      const rule: Rule = { ...input, version: 1, valid_from: publicationStart(input, ctx.now()) } as Rule;
      checkValidTo(rule.valid_from, rule.valid_to);
      insertRuleVersion(ctx.db, rule, ctx.now().toISOString());
      return { rule: listRuleVersions(ctx.db, input.id)[0], conflicts: conflictsFor(ctx.db).filter((c) => c.rules.some((r) => r.startsWith(`${input.id}@`))) };
    },
  }),

  'rules.newVersion': defineHandler({
    summary: 'Publish a new version of a rule; the current version closes when it starts',
    input: RuleDraft,
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const versions = listRuleVersions(ctx.db, input.id);
      if (versions.length === 0) throw notFound('rule', input.id);
      const latest = versions[versions.length - 1]!;
      if (latest.group !== input.group) {
        throw new ApiError('invalid_rule', 'a rule keeps its group', [{ path: 'group', code: 'group_changed', message: `rule ${input.id} is in group ${latest.group}; create another rule for another group` }]);
      }
      assertValid(checkRuleReferences(ctx.db, input), `rule ${input.id}`);
      const start = publicationStart(input, ctx.now());
      const startMs = toMs(start);
      for (const v of versions) {
        if (toMs(v.valid_from) >= startMs) {
          throw new ApiError('invalid_rule', `version ${v.version} already starts at ${v.valid_from}`, [{ path: 'valid_from', code: 'overlapping_versions', message: `version ${v.version} starts at or after this one; retire it first` }]);
        }
      }
      checkValidTo(start, input.valid_to);
      for (const v of versions) {
        if (v.valid_to === null || toMs(v.valid_to) > startMs) closeRuleVersion(ctx.db, v.id, v.version, start, false);
      }
      const rule: Rule = { ...input, version: latest.version + 1, valid_from: start } as Rule;
      insertRuleVersion(ctx.db, rule, ctx.now().toISOString());
      return { rule: listRuleVersions(ctx.db, input.id).at(-1)!, conflicts: conflictsFor(ctx.db).filter((c) => c.rules.some((r) => r.startsWith(`${input.id}@`))) };
    },
  }),

  'rules.retire': defineHandler({
    summary: 'Retire a rule: its versions stop applying at the given time (now by default)',
    input: z.object({ id: z.string(), at: z.string().optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const versions = listRuleVersions(ctx.db, input.id);
      if (versions.length === 0) throw notFound('rule', input.id);
      const at = publicationStart({ valid_from: input.at }, ctx.now());
      const atMs = toMs(at);
      let closed = 0;
      for (const v of versions) {
        if (toMs(v.valid_from) >= atMs) {
          throw new ApiError('invalid_rule', `version ${v.version} starts after ${at}`, [{ path: 'at', code: 'future_version', message: `version ${v.version} starts at ${v.valid_from}; retire after it starts` }]);
        }
        if (v.valid_to === null || toMs(v.valid_to) > atMs) { closeRuleVersion(ctx.db, v.id, v.version, at, true); closed++; }
      }
      return { id: input.id, retired_at: at, versions_closed: closed, rules: listRuleVersions(ctx.db, input.id) };
    },
  }),

  'rules.conflicts': defineHandler({
    summary: 'Pairs of rules of one group that can match the same line with the same priority and condition count',
    input: z.object({ drafts: z.array(RuleSchema).default([]) }).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => conflictsFor(ctx.db, input.drafts),
  }),

  'rules.simulate': defineHandler({
    summary: 'What a draft rule set would change, per entity and per rule, on the orders of a period',
    input: z.object({
      period: Period,
      /** Draft rules: each replaces every version of its id over the period. */
      drafts: z.array(RuleDraft).default([]),
      /** Rule ids left out of the draft set. */
      retire: z.array(z.string()).default([]),
    }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: false,
    run: (ctx, input) => {
      const issues = input.drafts.flatMap((d, i) => checkRuleReferences(ctx.db, d, `drafts[${i}].`));
      assertValid(issues, 'the draft rule set');
      const ids = (ctx.db.prepare('SELECT id FROM orders WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id')
        .all(`${input.period.from}T00:00:00Z`, `${input.period.to}T00:00:00Z`) as { id: string }[]).map((r) => r.id);
      const orders = loadOrders(ctx.db, ids);
      const events = loadEvents(ctx.db, ids);
      const current = loadRules(ctx.db);
      const replaced = new Set([...input.drafts.map((d) => d.id), ...input.retire]);
      const draftRules: Rule[] = [
        ...current.filter((r) => !replaced.has(r.id)),
        ...input.drafts.map((d) => ({ ...d, version: 0, valid_from: '1970-01-01', valid_to: null }) as Rule),
      ];
      const asOf = isoUtc(ctx.now().getTime());
      return simulateRules(loadNetwork(ctx.db), current, draftRules, orders, events, asOf);
    },
  }),
};

export type { StoredRule, RuleDraft };
