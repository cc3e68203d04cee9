// Conflict warnings for the rules back office: two rules of one group that can match the same
// line, at the same time, with the same priority and the same number of conditions. The engine
// still decides (smallest id wins), but head office should not rely on an id's spelling.
import type { Network, Rule } from './scenario.js';
import { toMs } from './time.js';

export interface RuleConflict {
  group: string;
  rules: [string, string]; // ID@VERSION, ID@VERSION
  priority: number;
  conditions: number;
  /** Which one the engine picks today (the smaller id). */
  winner: string;
  message: string;
}

const KEYS = ['channel', 'delivery_mode', 'kind', 'category', 'seller', 'owner', 'seller_region', 'owner_region'] as const;

const conditionCount = (r: Rule) => Object.values(r.when ?? {}).filter((v) => v !== undefined).length;

function validityOverlaps(a: Rule, b: Rule): boolean {
  const aTo = a.valid_to ? toMs(a.valid_to) : Infinity;
  const bTo = b.valid_to ? toMs(b.valid_to) : Infinity;
  return toMs(a.valid_from) < bTo && toMs(b.valid_from) < aTo;
}

/** Entities allowed by a rule's `seller`/`owner` and `*_region` conditions together (null = any). */
function allowedEntities(r: Rule, key: 'seller' | 'owner', regionOf: Map<string, string | null>): Set<string> | null {
  const ids = r.when?.[key];
  const regions = r.when?.[`${key}_region`];
  if (!ids && !regions) return null;
  const candidates = ids ?? [...regionOf.keys()];
  return new Set(candidates.filter((id) => !regions || regions.includes(regionOf.get(id) ?? '\u0000')));
}

const intersects = (a: Set<string> | null, b: Set<string> | null) => a === null || b === null || [...a].some((x) => b.has(x));

/** True when some line could satisfy both rules' conditions. */
export function canMatchSameLine(a: Rule, b: Rule, network: Network): boolean {
  const wa = (a.when ?? {}) as Record<string, unknown>;
  const wb = (b.when ?? {}) as Record<string, unknown>;
  for (const key of KEYS) {
    if (key.startsWith('seller') || key.startsWith('owner')) continue; // entity-aware below
    const x = wa[key] as string[] | undefined;
    const y = wb[key] as string[] | undefined;
    if (x && y && !x.some((v) => y.includes(v))) return false;
  }
  const regionOf = new Map(network.entities.map((e) => [e.id, e.region ?? null]));
  const sellersA = allowedEntities(a, 'seller', regionOf), sellersB = allowedEntities(b, 'seller', regionOf);
  const ownersA = allowedEntities(a, 'owner', regionOf), ownersB = allowedEntities(b, 'owner', regionOf);
  if (!intersects(sellersA, sellersB) || !intersects(ownersA, ownersB)) return false;
  const sa = wa.seller_is_owner as boolean | undefined, sb = wb.seller_is_owner as boolean | undefined;
  if (sa !== undefined && sb !== undefined && sa !== sb) return false;
  return true;
}

export function findRuleConflicts(rules: readonly Rule[], network: Network): RuleConflict[] {
  const out: RuleConflict[] = [];
  const byGroup = new Map<string, Rule[]>();
  for (const r of rules) (byGroup.get(r.group) ?? byGroup.set(r.group, []).get(r.group)!).push(r);
  for (const [group, list] of [...byGroup].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!, b = list[j]!;
        if (a.id === b.id) continue; // versions of one rule never overlap (checked on import and publish)
        if (a.priority !== b.priority || conditionCount(a) !== conditionCount(b)) continue;
        if (!validityOverlaps(a, b) || !canMatchSameLine(a, b, network)) continue;
        const [first, second] = a.id < b.id ? [a, b] : [b, a];
        const refs: [string, string] = [`${first.id}@${first.version}`, `${second.id}@${second.version}`];
        out.push({
          group, rules: refs, priority: a.priority, conditions: conditionCount(a), winner: refs[0],
          message: `${refs[0]} and ${refs[1]} (group ${group}) can match the same line with priority ${a.priority} and ${conditionCount(a)} condition(s); ${refs[0]} wins only because its id sorts first`,
        });
      }
    }
  }
  return out;
}
