// Comparing a draft rule with the version in force (the rules workflow: draft → compare →
// simulate → publish). Field by field, so the back office can show what changes in the reader's
// units (rates as percentages, amounts in currency units) rather than two JSON blobs. Pure.
import { canonicalJson } from './canonical.js';
import type { Rule } from './scenario.js';

export type RuleField = 'name' | 'description' | 'priority' | 'valid_to' | `when.${string}` | `legs[${number}].${string}` | `legs[${number}]`;

export interface RuleChange {
  /** What changes: `priority`, `when.channel`, `legs[0].rate`, or `legs[2]` for a leg added or removed. */
  field: RuleField;
  change: 'added' | 'removed' | 'changed';
  current: unknown;
  draft: unknown;
}

/** A rule's fields as a draft writes them (no version, no validity start). */
export type DraftRule = Omit<Rule, 'version' | 'valid_from'> & { valid_from?: string };

const LEG_FIELDS = ['to', 'from', 'rate', 'base', 'per_unit', 'min', 'max'] as const;
const LEG_DEFAULTS: Record<(typeof LEG_FIELDS)[number], unknown> = { to: undefined, from: 'owner', rate: '0', base: 'net', per_unit: 0, min: null, max: null };

function change(field: RuleField, current: unknown, draft: unknown): RuleChange | null {
  if (canonicalJson(current ?? null) === canonicalJson(draft ?? null)) return null;
  return { field, change: current === undefined || current === null ? 'added' : draft === undefined || draft === null ? 'removed' : 'changed', current: current ?? null, draft: draft ?? null };
}

/** What the draft changes with respect to `current` (null: a new rule, every field added). */
export function compareRules(current: DraftRule | null, draft: DraftRule): RuleChange[] {
  const out: RuleChange[] = [];
  const push = (c: RuleChange | null) => { if (c) out.push(c); };
  push(change('name', current?.name, draft.name));
  push(change('description', current?.description, draft.description));
  push(change('priority', current?.priority, draft.priority));
  const keys = [...new Set([...Object.keys(current?.when ?? {}), ...Object.keys(draft.when ?? {})])].sort();
  for (const k of keys) push(change(`when.${k}`, (current?.when as Record<string, unknown> | undefined)?.[k], (draft.when as Record<string, unknown>)[k]));
  const a = current?.legs ?? [];
  const b = draft.legs ?? [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) { out.push({ field: `legs[${i}]`, change: 'added', current: null, draft: b[i] }); continue; }
    if (i >= b.length) { out.push({ field: `legs[${i}]`, change: 'removed', current: a[i], draft: null }); continue; }
    for (const f of LEG_FIELDS) {
      const x = (a[i] as Record<string, unknown>)[f] ?? LEG_DEFAULTS[f];
      const y = (b[i] as Record<string, unknown>)[f] ?? LEG_DEFAULTS[f];
      push(change(`legs[${i}].${f}`, x, y));
    }
  }
  push(change('valid_to', current?.valid_to ?? null, draft.valid_to ?? null));
  return out;
}
