// Commission rules: compiled once per context (rates parsed, conditions as sets, versions as
// instants), and selected per line and group (docs/spec.md section 5): among rules valid at the
// order's created_at whose `when` matches, the lowest priority, then the one with more
// conditions, then the smallest id. Rules are kept sorted in that order, so the first match wins.
import { parseRate, type Rate } from './money.js';
import type { Role, Rule } from './scenario.js';
import type { Decision } from './settlement-types.js';
import { toMs } from './time.js';

/** A leg end: a role of the line, or a named entity. */
export type LegEnd = { role: Role; entity: null } | { role: null; entity: string };

export interface CompiledLeg {
  toText: string;
  fromText: string;
  to: LegEnd;
  from: LegEnd;
  rate: Rate;
  base: 'net' | 'gross';
  perUnit: number;
  min: number | null;
  max: number | null;
}

export interface CompiledRule {
  id: string;
  version: number;
  /** `ID@VERSION`, as every leg and decision records it. */
  ref: string;
  group: string;
  priority: number;
  fromMs: number;
  toMs: number;
  /** Number of keys in `when`. */
  conditions: number;
  channel: ReadonlySet<string> | null;
  deliveryMode: ReadonlySet<string> | null;
  kind: ReadonlySet<string> | null;
  category: ReadonlySet<string> | null;
  seller: ReadonlySet<string> | null;
  owner: ReadonlySet<string> | null;
  sellerRegion: ReadonlySet<string> | null;
  ownerRegion: ReadonlySet<string> | null;
  sellerIsOwner: boolean | null;
  legs: CompiledLeg[];
  /** The decision record every line decided by this rule shares (frozen). */
  decision: Readonly<Decision>;
}

export interface RuleGroup {
  group: string;
  /** Sorted: priority ascending, conditions descending, id ascending, version ascending. */
  rules: CompiledRule[];
}

/** What a rule's `when` looks at. */
export interface LineFacts {
  createdMs: number;
  channel: string;
  deliveryMode: string;
  kind: string;
  category: string | null;
  seller: string | null;
  owner: string;
  sellerRegion: string | null;
  ownerRegion: string | null;
}

const ROLE_SET = new Set<string>(['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller']);

export function parseLegEnd(text: string): LegEnd {
  if (text.startsWith('entity:')) return { role: null, entity: text.slice(7) };
  if (!ROLE_SET.has(text)) throw new RangeError(`unknown role ${JSON.stringify(text)}`);
  return { role: text as Role, entity: null };
}

const setOf = (xs: readonly string[] | undefined): ReadonlySet<string> | null => (xs === undefined ? null : new Set(xs));

export function compileRule(rule: Rule, rates: (text: string) => Rate = parseRate): CompiledRule {
  const w = rule.when ?? {};
  const ref = `${rule.id}@${rule.version}`;
  return {
    decision: Object.freeze({ group: rule.group, rule: ref, legs: (rule.legs ?? []).length }),
    id: rule.id,
    version: rule.version,
    ref,
    group: rule.group,
    priority: rule.priority,
    fromMs: toMs(rule.valid_from),
    toMs: rule.valid_to === null || rule.valid_to === undefined ? Infinity : toMs(rule.valid_to),
    conditions: Object.keys(w).filter((k) => (w as Record<string, unknown>)[k] !== undefined).length,
    channel: setOf(w.channel),
    deliveryMode: setOf(w.delivery_mode),
    kind: setOf(w.kind),
    category: setOf(w.category),
    seller: setOf(w.seller),
    owner: setOf(w.owner),
    sellerRegion: setOf(w.seller_region),
    ownerRegion: setOf(w.owner_region),
    sellerIsOwner: w.seller_is_owner ?? null,
    legs: (rule.legs ?? []).map((leg) => ({
      toText: leg.to,
      fromText: leg.from ?? 'owner',
      to: parseLegEnd(leg.to),
      from: parseLegEnd(leg.from ?? 'owner'),
      rate: rates(leg.rate ?? '0'),
      base: leg.base ?? 'net',
      perUnit: leg.per_unit ?? 0,
      min: leg.min ?? null,
      max: leg.max ?? null,
    })),
  };
}

/** Orders rules by precedence: lower priority, more conditions, smaller id (then version). */
export function compareRules(a: CompiledRule, b: CompiledRule): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.conditions !== b.conditions) return b.conditions - a.conditions;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return a.version - b.version;
}

/** Groups compiled rules by group name (ascending), each sorted by precedence. */
export function groupRules(rules: readonly CompiledRule[]): RuleGroup[] {
  const byGroup = new Map<string, CompiledRule[]>();
  for (const r of rules) {
    const list = byGroup.get(r.group);
    if (list) list.push(r);
    else byGroup.set(r.group, [r]);
  }
  return [...byGroup.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((group) => ({ group, rules: byGroup.get(group)!.sort(compareRules) }));
}

const inSet = (set: ReadonlySet<string> | null, v: string | null) => set === null || (v !== null && set.has(v));

/** True when the rule is valid at the order's creation and its `when` matches the line. */
export function ruleMatches(r: CompiledRule, f: LineFacts): boolean {
  return (
    r.fromMs <= f.createdMs &&
    f.createdMs < r.toMs &&
    inSet(r.channel, f.channel) &&
    inSet(r.deliveryMode, f.deliveryMode) &&
    inSet(r.kind, f.kind) &&
    inSet(r.category, f.category) &&
    inSet(r.seller, f.seller) &&
    inSet(r.owner, f.owner) &&
    inSet(r.sellerRegion, f.sellerRegion) &&
    inSet(r.ownerRegion, f.ownerRegion) &&
    (r.sellerIsOwner === null || r.sellerIsOwner === (f.seller !== null && f.seller === f.owner))
  );
}

/** The rule that decides `group` for a line, or null when none applies. */
export function selectRule(group: RuleGroup, f: LineFacts): CompiledRule | null {
  const rules = group.rules;
  for (let i = 0; i < rules.length; i++) if (ruleMatches(rules[i], f)) return rules[i];
  return null;
}
