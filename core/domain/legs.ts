// Commission legs (docs/spec.md section 5): amount = round(base × rate) + per_unit × quantity, clamped
// to [min, max]; VAT on commission = round(amount × commission_vat_rate). A leg moves amount + VAT
// from its payer to its beneficiary, unless it is void: an end does not resolve (`unresolved`)
// or both ends are the same entity (`same_entity`). Void legs keep their amounts for the
// explanation and move nothing.
import type { SettlementContext } from './context.js';
import { applyRate, assertMinor } from './money.js';
import type { CompiledLeg, CompiledRule, LegEnd } from './rules.js';
import type { LegSettlement, Roles, VoidReason } from './settlement-types.js';

export function resolveEnd(end: LegEnd, roles: Roles): string | null {
  return end.role === null ? end.entity : roles[end.role];
}

/** round(base × rate) + per_unit × quantity, then clamped to [min, max]. */
export function legAmount(leg: CompiledLeg, base: number, quantity: number): { computed: number; amount: number } {
  const computed = applyRate(base, leg.rate);
  let amount = leg.perUnit === 0 ? computed : assertMinor(computed + leg.perUnit * quantity, 'leg amount');
  if (leg.min !== null && amount < leg.min) amount = leg.min;
  if (leg.max !== null && amount > leg.max) amount = leg.max;
  return { computed, amount };
}

export function computeLeg(ctx: SettlementContext, rule: CompiledRule, leg: CompiledLeg, roles: Roles, gross: number, net: number, quantity: number): LegSettlement {
  const base = leg.base === 'gross' ? gross : net;
  // Same computation as legAmount, inlined: this runs for every leg of every line.
  const computed = applyRate(base, leg.rate);
  let amount = leg.perUnit === 0 ? computed : assertMinor(computed + leg.perUnit * quantity, 'leg amount');
  if (leg.min !== null && amount < leg.min) amount = leg.min;
  if (leg.max !== null && amount > leg.max) amount = leg.max;
  const vat = applyRate(amount, ctx.commissionVat);
  const to = resolveEnd(leg.to, roles);
  const from = resolveEnd(leg.from, roles);
  const voidReason: VoidReason | null = to === null || from === null ? 'unresolved' : to === from ? 'same_entity' : null;
  return {
    group: rule.group,
    rule: rule.ref,
    to_role: leg.toText,
    to,
    from,
    base,
    rate: leg.rate.text,
    amount,
    vat,
    void: voidReason,
    from_role: leg.fromText,
    base_kind: leg.base,
    computed,
    per_unit: leg.perUnit,
    quantity,
    min: leg.min,
    max: leg.max,
    reversed_amount: 0,
    reversed_vat: 0,
  };
}
