// The rules back office: list, create, new version, retire, conflict warnings and the
// simulation of a draft rule set over the orders of a period. A new version starts no earlier
// than its publication; the version it supersedes is closed at that instant, so no stored
// allocation ever changes (docs/spec.md section 5).
import { z } from 'zod';
import { RuleSchema, type Rule } from '../domain/scenario.js';
import { toMs, isoUtc } from '../domain/time.js';
import { findRuleConflicts } from '../domain/rule-conflicts.js';
import { simulateRules } from '../domain/simulation.js';
import { listRuleVersions, insertRuleVersion, closeRuleVersion, getDraft, insertDraft, listDrafts, nextDraftNumber, updateDraft, type DraftRow, type StoredRule } from '../store/rules-repo.js';
import { compareRules } from '../domain/rule-diff.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import type { Db } from '../store/db.js';
import { entityIds } from '../store/network-repo.js';
import { orderIdsCreatedBetween } from '../store/orders-repo.js';
import { ApiError, notFound, type Issue } from './errors.js';
import { ALL_ROLES, HEAD_OFFICE_WRITERS, defineHandler, type ApiContext } from './handler.js';

/** A rule as head office writes it: no version (the store numbers them). */
const RuleDraft = RuleSchema.omit({ version: true }).extend({ valid_from: z.string().optional() });
type RuleDraft = z.output<typeof RuleDraft>;

const Period = z.object({
  from: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
  to: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
}).refine((p) => p.from < p.to, { message: '`to` must be after `from`', path: ['to'] });

/** Checks a draft's references against the stored network: roles, entities, regions. */
function checkRuleReferences(db: Db, rule: Pick<Rule, 'when' | 'legs'>, prefix = ''): Issue[] {
  const issues: Issue[] = [];
  const entities = new Set(entityIds(db));
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

function conflictsFor(db: Db, extra: Rule[] = []) {
  return findRuleConflicts([...loadRules(db), ...extra], loadNetwork(db));
}

function publisherOf(ctx: ApiContext) {
  return { id: ctx.principal.userId, name: ctx.principal.name };
}

/** Publishes a new rule (version 1), recording who published it. */
function publishFirst(ctx: ApiContext, input: RuleDraft) {
  if (listRuleVersions(ctx.db, input.id).length > 0) {
    throw new ApiError('duplicate_id', `rule ${input.id} already exists; publish a new version instead`, [{ path: 'id', code: 'duplicate_id', message: 'already used' }]);
  }
  assertValid(checkRuleReferences(ctx.db, input), `rule ${input.id}`);
  const rule: Rule = { ...input, version: 1, valid_from: publicationStart(input, ctx.now()) } as Rule;
  checkValidTo(rule.valid_from, rule.valid_to);
  insertRuleVersion(ctx.db, rule, ctx.now().toISOString(), publisherOf(ctx));
  return { rule: listRuleVersions(ctx.db, input.id)[0]!, conflicts: conflictsFor(ctx.db).filter((c) => c.rules.some((r) => r.startsWith(`${input.id}@`))) };
}

/** Publishes the next version of a rule; the current one closes when it starts. */
function publishNext(ctx: ApiContext, input: RuleDraft) {
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
  insertRuleVersion(ctx.db, rule, ctx.now().toISOString(), publisherOf(ctx));
  return { rule: listRuleVersions(ctx.db, input.id).at(-1)!, conflicts: conflictsFor(ctx.db).filter((c) => c.rules.some((r) => r.startsWith(`${input.id}@`))) };
}

/** What a draft rule set would change over the orders of a period (each draft replaces its id). */
function simulate(ctx: ApiContext, period: { from: string; to: string }, drafts: readonly RuleDraft[], retire: readonly string[]) {
  const issues = drafts.flatMap((d, i) => checkRuleReferences(ctx.db, d, `drafts[${i}].`));
  assertValid(issues, 'the draft rule set');
  const ids = orderIdsCreatedBetween(ctx.db, `${period.from}T00:00:00Z`, `${period.to}T00:00:00Z`);
  const orders = loadOrders(ctx.db, ids);
  const events = loadEvents(ctx.db, ids);
  const current = loadRules(ctx.db);
  const replaced = new Set([...drafts.map((d) => d.id), ...retire]);
  const draftRules: Rule[] = [
    ...current.filter((r) => !replaced.has(r.id)),
    ...drafts.map((d) => ({ ...d, version: 0, valid_from: '1970-01-01', valid_to: null }) as Rule),
  ];
  return simulateRules(loadNetwork(ctx.db), current, draftRules, orders, events, isoUtc(ctx.now().getTime()));
}

// ---- The rules workflow: draft → compare → simulate → publish (docs/ui.md, migration 0013) ----

function draftView(d: DraftRow) {
  return {
    id: d.id, rule_id: d.rule_id, base_version: d.base_version, rule: JSON.parse(d.body_json) as RuleDraft, status: d.status,
    created_by: { id: d.created_by, name: d.created_by_name }, created_at: d.created_at, updated_at: d.updated_at,
    published_version: d.published_version, published_at: d.published_at,
  };
}

function loadDraft(ctx: ApiContext, id: string, open = false): DraftRow {
  const d = getDraft(ctx.db, id);
  if (!d) throw notFound('rule draft', id);
  if (open && d.status !== 'draft') throw new ApiError('draft_closed', `draft ${id} is ${d.status}; save a new draft`);
  return d;
}

/** The latest version of a rule (what a draft of it is compared with), if the rule exists. */
function currentVersion(ctx: ApiContext, ruleId: string): StoredRule | null {
  return listRuleVersions(ctx.db, ruleId).at(-1) ?? null;
}

/** A draft with the version it changes, what changes field by field, and the conflicts it would bring. */
function draftDetail(ctx: ApiContext, d: DraftRow) {
  const draft = draftView(d);
  const current = currentVersion(ctx, d.rule_id);
  const asRule = { ...draft.rule, version: 0, valid_from: draft.rule.valid_from ?? isoUtc(ctx.now().getTime()) } as Rule;
  return {
    draft,
    current,
    changes: compareRules(current, draft.rule),
    stale: d.status === 'draft' && (current?.version ?? null) !== d.base_version,
    conflicts: conflictsFor(ctx.db, [asRule]).filter((c) => c.rules.some((r) => r.startsWith(`${d.rule_id}@0`))),
  };
}

const DraftId = z.string().min(1).max(100);

const ruleDraftHandlers = {
  'rules.drafts.list': defineHandler({
    summary: 'Rule drafts saved in the back office (open ones by default), newest first',
    input: z.object({ status: z.array(z.enum(['draft', 'published', 'discarded'])).min(1).default(['draft']) }).strict(),
    roles: [...HEAD_OFFICE_WRITERS, 'auditor'],
    mutates: false,
    run: (ctx, input) => ({ drafts: listDrafts(ctx.db, input.status).map(draftView) }),
  }),

  'rules.drafts.get': defineHandler({
    summary: 'A rule draft compared with the version in force: each field that changes, and the conflicts it would bring',
    input: z.object({ id: DraftId }).strict(),
    roles: [...HEAD_OFFICE_WRITERS, 'auditor'],
    mutates: false,
    run: (ctx, input) => draftDetail(ctx, loadDraft(ctx, input.id)),
  }),

  'rules.drafts.save': defineHandler({
    summary: 'Save a rule draft (new, or replacing an open draft\'s content); nothing applies until it is published',
    // The rule's fields at the top (as `rules.create` takes them, so a form shows the same
    // issues on the same fields), and `draft` naming the open draft it replaces.
    input: RuleDraft.extend({ draft: DraftId.optional() }),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, { draft: draftId, ...rule }) => {
      const input = { id: draftId, rule };
      assertValid(checkRuleReferences(ctx.db, input.rule), `draft of rule ${input.rule.id}`);
      const current = currentVersion(ctx, input.rule.id);
      if (current && current.group !== input.rule.group) {
        throw new ApiError('invalid_rule', 'a rule keeps its group', [{ path: 'group', code: 'group_changed', message: `rule ${input.rule.id} is in group ${current.group}` }]);
      }
      const at = ctx.now().toISOString();
      const body = JSON.stringify(input.rule);
      let id: string;
      if (input.id !== undefined) {
        const before = loadDraft(ctx, input.id, true);
        if (before.rule_id !== input.rule.id) {
          throw new ApiError('invalid_rule', 'a draft keeps its rule id', [{ path: 'id', code: 'rule_changed', message: `draft ${before.id} is of rule ${before.rule_id}` }]);
        }
        updateDraft(ctx.db, before.id, { body_json: body, updated_at: at, base_version: current?.version ?? null });
        id = before.id;
      } else {
        id = `rd_${String(nextDraftNumber(ctx.db)).padStart(5, '0')}`;
        insertDraft(ctx.db, {
          id, rule_id: input.rule.id, base_version: current?.version ?? null, body_json: body, status: 'draft',
          created_by: ctx.principal.userId, created_by_name: ctx.principal.name, created_at: at, updated_at: at, published_version: null, published_at: null,
        });
      }
      const detail = draftDetail(ctx, getDraft(ctx.db, id)!);
      ctx.audit({ after: { draft: id, rule: input.rule.id, changes: detail.changes.length } });
      return detail;
    },
  }),

  'rules.drafts.simulate': defineHandler({
    summary: 'What publishing a draft would change, per entity and per rule, on the orders of a period',
    input: z.object({ id: DraftId, period: Period }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: false,
    run: (ctx, input) => simulate(ctx, input.period, [draftView(loadDraft(ctx, input.id)).rule], []),
  }),

  'rules.drafts.publish': defineHandler({
    summary: 'Publish a draft as the rule\'s next version (or version 1 of a new rule), from now or a later start date; who published is recorded',
    input: z.object({ id: DraftId, valid_from: z.string().min(10).max(40).optional() }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const d = loadDraft(ctx, input.id, true);
      const current = currentVersion(ctx, d.rule_id);
      if ((current?.version ?? null) !== d.base_version) {
        throw new ApiError('draft_stale', `rule ${d.rule_id} changed since draft ${d.id} was saved (version ${current?.version ?? 'none'}, the draft was of ${d.base_version ?? 'none'}); save the draft again and compare`,
          [{ path: 'id', code: 'draft_stale', message: 'the rule has a newer version: save the draft again' }]);
      }
      const rule = { ...(JSON.parse(d.body_json) as RuleDraft), valid_from: input.valid_from };
      const published = current ? publishNext(ctx, rule) : publishFirst(ctx, rule);
      updateDraft(ctx.db, d.id, { status: 'published', published_version: published.rule.version, published_at: ctx.now().toISOString() });
      ctx.audit({ before: { draft: d.id, base_version: d.base_version }, after: { rule: published.rule.id, version: published.rule.version, valid_from: published.rule.valid_from } });
      return { ...published, draft: draftView(getDraft(ctx.db, d.id)!) };
    },
  }),

  'rules.drafts.discard': defineHandler({
    summary: 'Discard an open rule draft (kept, marked discarded)',
    input: z.object({ id: DraftId }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const d = loadDraft(ctx, input.id, true);
      updateDraft(ctx.db, d.id, { status: 'discarded', updated_at: ctx.now().toISOString() });
      return draftView(getDraft(ctx.db, d.id)!);
    },
  }),
};

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
    run: (ctx, input) => publishFirst(ctx, input),
  }),

  'rules.newVersion': defineHandler({
    summary: 'Publish a new version of a rule; the current version closes when it starts',
    input: RuleDraft,
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => publishNext(ctx, input),
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
    run: (ctx, input) => simulate(ctx, input.period, input.drafts, input.retire),
  }),

  ...ruleDraftHandlers,
};

export type { StoredRule, RuleDraft };
