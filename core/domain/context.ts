// The settlement context: everything about a network and its rules that does not depend on the
// order, computed once (maps of entities and locations, catchment prefixes by length, rules
// compiled and sorted per group, rates parsed), so that settling a line is a few lookups.
import { parseRate, type Rate } from './money.js';
import { compileRule, groupRules, type RuleGroup } from './rules.js';
import type { AttributionKey, Entity, Network, Rule } from './scenario.js';
import { DAY_MS } from './time.js';

export interface LocationInfo {
  id: string;
  /** Entity owning the stock. */
  entity: string;
  /** Entity operating the location (the owner unless stated). */
  operator: string;
}

export interface SettlementContext {
  network: Network;
  platform: string;
  commissionVat: Rate;
  returnWindowMs: number;
  feeBearer: 'platform' | 'owners_pro_rata';
  attribution: readonly AttributionKey[];
  entities: ReadonlyMap<string, Entity>;
  regions: ReadonlyMap<string, string | null>;
  locations: ReadonlyMap<string, LocationInfo>;
  /** Catchment prefix (normalised) → location id. */
  catchments: ReadonlyMap<string, string>;
  /** Distinct prefix lengths, longest first. */
  catchmentLengths: readonly number[];
  groups: readonly RuleGroup[];
  /** Parses a rate once and caches it (VAT rates of lines). */
  rate(text: string): Rate;
}

export class ContextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextError';
  }
}

/** Postcodes and prefixes compare without spaces and case. */
export function normalisePostcode(s: string): string {
  return s.replace(/\s+/g, '').toUpperCase();
}

export function buildContext(network: Network, rules: readonly Rule[]): SettlementContext {
  const entities = new Map<string, Entity>();
  const regions = new Map<string, string | null>();
  for (const e of network.entities) {
    entities.set(e.id, e);
    regions.set(e.id, e.region ?? null);
  }
  if (!entities.has(network.platform_entity)) throw new ContextError(`platform entity ${JSON.stringify(network.platform_entity)} is not in the network`);
  const locations = new Map<string, LocationInfo>();
  for (const l of network.locations ?? []) {
    if (!entities.has(l.entity)) throw new ContextError(`location ${l.id}: unknown entity ${JSON.stringify(l.entity)}`);
    const operator = l.operator ?? l.entity;
    if (!entities.has(operator)) throw new ContextError(`location ${l.id}: unknown operator ${JSON.stringify(operator)}`);
    locations.set(l.id, { id: l.id, entity: l.entity, operator });
  }
  const catchments = new Map<string, string>();
  const lengths = new Set<number>();
  for (const c of network.catchments ?? []) {
    if (!locations.has(c.location)) throw new ContextError(`catchment ${c.postcode_prefix}: unknown location ${JSON.stringify(c.location)}`);
    const prefix = normalisePostcode(c.postcode_prefix);
    if (!catchments.has(prefix)) catchments.set(prefix, c.location);
    lengths.add(prefix.length);
  }
  const cache = new Map<string, Rate>();
  const rate = (text: string): Rate => {
    let r = cache.get(text);
    if (r === undefined) {
      r = parseRate(text);
      cache.set(text, r);
    }
    return r;
  };
  const compiled = rules.map((r) => compileRule(r, rate));
  for (const r of compiled) {
    for (const leg of r.legs) {
      for (const end of [leg.to, leg.from]) {
        if (end.entity !== null && !entities.has(end.entity)) throw new ContextError(`rule ${r.ref}: unknown entity ${JSON.stringify(end.entity)}`);
      }
    }
  }
  return {
    network,
    platform: network.platform_entity,
    commissionVat: rate(network.commission_vat_rate ?? '0.20'),
    returnWindowMs: (network.return_window_days ?? 14) * DAY_MS,
    feeBearer: network.psp_fee_bearer ?? 'platform',
    attribution: network.web_attribution ?? ['pickup', 'catchment', 'platform'],
    entities,
    regions,
    locations,
    catchments,
    catchmentLengths: [...lengths].sort((a, b) => b - a),
    groups: groupRules(compiled),
    rate,
  };
}
