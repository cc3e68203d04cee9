// Explanations (docs/spec.md section 6): "why did this entity get 3.42 €?" answered from the data.
// For one line and one entity, the chain of contributions — the owner's gross, each leg's amount
// and VAT with its rule id@version, base, rate and formula, each reversal step, the fee share —
// which adds up to the entity's amount on that line. explainPayout adds the order-level part
// (PSP fees borne by the platform) and adds up to the entity's payout.
import { Dec, formatMinor, type Minor } from './money.js';
import { reversalStep } from './reversals.js';
import type { LegSettlement, LineSettlement, OrderSettlement } from './settlement-types.js';

export type ContributionKind = 'gross' | 'leg' | 'leg_vat' | 'reversal' | 'fee_share' | 'psp_fees' | 'void_leg';

/**
 * The computation behind `formula`, as numbers (minor units, decimal-text rates), so that a
 * view can word it in the user's language with formatted money (issue 15, review item 2);
 * `formula` stays the English text of the command line.
 */
export type Calc =
  | { op: 'gross'; unit_price: Minor; quantity: number; line_discount: Minor; order_discount: Minor; result: Minor }
  /** round(base × rate) [+ per_unit × quantity] = value [raised to min | capped at max] → result */
  | { op: 'leg'; base_kind: string; base: Minor; rate: string; computed: Minor; per_unit: Minor; quantity: number; value: Minor; min: Minor | null; max: Minor | null; result: Minor }
  | { op: 'vat'; base: Minor; rate: string; result: Minor }
  /** One step of a return or cancellation: round(amount × after/quantity) − round(amount × before/quantity). */
  | { op: 'reversal'; what: 'gross' | 'commission' | 'commission_vat'; rule: string | null; event: 'return' | 'cancellation'; units: number; at: string | null; amount: Minor; before: number; after: number; quantity: number; result: Minor }
  | { op: 'fee_share'; fees: Minor; result: Minor }
  | { op: 'fee_cancelled_line'; result: Minor }
  | { op: 'platform_fees'; result: Minor };

/** How a line's gross splits into VAT and net: VAT = round(gross × rate / (1 + rate)). */
export interface LineCalc { gross: Minor; vat_rate: string; vat: Minor; net: Minor }

export interface Contribution {
  kind: ContributionKind;
  /** The role through which the entity takes part (`owner`, `seller`, `entity:HQ`, `platform`...). */
  role: string;
  direction: 'receives' | 'pays' | 'none';
  /** The other side of a leg, if any. */
  counterparty: string | null;
  group: string | null;
  rule: string | null;
  base: Minor | null;
  rate: string | null;
  /** The exact value before rounding, when a rounding took place (decimal text). */
  exact: string | null;
  /** Human-readable computation, e.g. `round(10000 × 0.05) = 500`. */
  formula: string;
  /** The same computation as numbers, for a view to word it (a void leg: the leg's computation). */
  calc: Calc;
  /** Signed effect on the entity's amount. */
  amount: Minor;
  /** Why a void leg moves nothing. */
  void?: 'same_entity' | 'unresolved';
}

export interface Explanation {
  order: string;
  line: string;
  entity: string;
  currency: string;
  /** Roles the entity plays on the line. */
  roles: string[];
  gross: Minor;
  vat: Minor;
  net: Minor;
  /** How the line's gross and VAT were computed. */
  line_formula: string;
  line_calc: LineCalc;
  contributions: Contribution[];
  /** Sum of the contributions: the entity's amount on this line. */
  total: Minor;
}

export interface PayoutExplanation {
  order: string;
  entity: string;
  currency: string;
  lines: Explanation[];
  order_level: Contribution[];
  /** Equals the order's payout to the entity. */
  total: Minor;
}

export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

const MINUS = '−';
const fmtSigned = (n: number) => (n < 0 ? `${MINUS}${-n}` : String(n));

function exactOf(base: number, rate: string): string {
  return new Dec(base).times(rate).toFixed();
}

function legFormula(l: LegSettlement): { formula: string; exact: string; calc: Calc } {
  const exact = exactOf(l.base, l.rate);
  let f = `round(${l.base} × ${l.rate}) = ${l.computed}`;
  let value = l.computed;
  if (l.per_unit !== 0) {
    value = l.computed + l.per_unit * l.quantity;
    f = `round(${l.base} × ${l.rate}) + ${l.per_unit} × ${l.quantity} = ${value}`;
  }
  if (l.min !== null && value < l.min) f += `, raised to min ${l.min}`;
  else if (l.max !== null && value > l.max) f += `, capped at max ${l.max}`;
  if (l.amount !== value) f += ` → ${l.amount}`;
  const calc: Calc = { op: 'leg', base_kind: l.base_kind, base: l.base, rate: l.rate, computed: l.computed, per_unit: l.per_unit, quantity: l.quantity, value, min: l.min, max: l.max, result: l.amount };
  return { formula: f, exact, calc };
}

/** Reversal contributions of `amount`, one per step, signed for the entity (`sign` = +1 receives). */
function reversals(line: LineSettlement, amount: Minor, sign: 1 | -1, what: string, calcWhat: 'gross' | 'commission' | 'commission_vat', base: Omit<Contribution, 'kind' | 'formula' | 'amount' | 'exact' | 'direction' | 'calc'>): Contribution[] {
  const q = line.detail.quantity;
  const out: Contribution[] = [];
  if (amount === 0) return out;
  const steps: { label: string; event: 'return' | 'cancellation'; at: string | null; before: number; after: number }[] = [];
  let k = 0;
  for (const s of line.detail.return_steps) {
    steps.push({ label: `return of ${s.quantity} on ${s.at}`, event: 'return', at: s.at, before: k, after: k + s.quantity });
    k += s.quantity;
  }
  if (line.detail.reversed_units > k) steps.push({ label: `cancellation${line.detail.cancelled_at ? ` on ${line.detail.cancelled_at}` : ''}`, event: 'cancellation', at: line.detail.cancelled_at ?? null, before: k, after: line.detail.reversed_units });
  for (const s of steps) {
    const r = reversalStep(amount, s.before, s.after, q);
    if (r === 0) continue;
    const cum = s.after >= q ? `${amount}` : `round(${amount} × ${s.after}/${q})`;
    const prev = s.before === 0 ? '0' : `round(${amount} × ${s.before}/${q})`;
    out.push({
      ...base,
      kind: 'reversal',
      direction: sign > 0 ? 'pays' : 'receives',
      exact: null,
      formula: `${s.label}: ${what} reversed ${cum} ${MINUS} ${prev} = ${r}`,
      calc: { op: 'reversal', what: calcWhat, rule: base.rule, event: s.event, units: s.after - s.before, at: s.at, amount, before: s.before, after: s.after, quantity: q, result: r },
      amount: -sign * r,
    });
  }
  return out;
}

/** The contributions making up `entity`'s amount on one line of a settled order. */
export function explain(os: OrderSettlement, lineId: string, entity: string): Explanation {
  const line = os.lines.find((l) => l.id === lineId);
  if (!line) throw new ExplainError(`order ${os.id} has no line ${JSON.stringify(lineId)}`);
  const d = line.detail;
  const contributions: Contribution[] = [];
  const roles = (Object.keys(line.roles) as (keyof typeof line.roles)[]).filter((r) => line.roles[r] === entity);
  const none = { group: null, rule: null, base: null, rate: null, counterparty: null } as const;

  if (line.roles.owner === entity) {
    contributions.push({
      ...none, kind: 'gross', role: 'owner', direction: 'receives', exact: null, amount: line.gross,
      formula: `gross = ${d.unit_price} × ${d.quantity} ${MINUS} ${d.line_discount} (line discount) ${MINUS} ${d.order_discount} (order discount) = ${line.gross}`,
      calc: { op: 'gross', unit_price: d.unit_price, quantity: d.quantity, line_discount: d.line_discount, order_discount: d.order_discount, result: line.gross },
    });
    contributions.push(...reversals(line, line.gross, 1, 'gross', 'gross', { ...none, role: 'owner' }));
  }

  for (const l of line.legs) {
    const receives = l.to === entity;
    const pays = l.from === entity;
    if (!receives && !pays) continue;
    const { formula, exact, calc } = legFormula(l);
    const common = { group: l.group, rule: l.rule, base: l.base, rate: l.rate };
    if (l.void !== null) {
      contributions.push({
        ...common, kind: 'void_leg', role: receives ? l.to_role : l.from_role, direction: 'none', counterparty: null,
        exact, formula: `${formula}; void (${l.void === 'same_entity' ? 'payer and beneficiary are the same entity' : 'an end of the leg does not resolve'}), moves nothing`,
        calc, amount: 0, void: l.void,
      });
      continue;
    }
    const sign: 1 | -1 = receives ? 1 : -1;
    const role = receives ? l.to_role : l.from_role;
    const counterparty = receives ? l.from : l.to;
    const dir = receives ? 'receives' : 'pays';
    contributions.push({ ...common, kind: 'leg', role, direction: dir, counterparty, exact, formula: `${l.base_kind} base: ${formula}`, calc, amount: sign * l.amount });
    contributions.push({
      ...common, kind: 'leg_vat', role, direction: dir, counterparty, base: l.amount, rate: null,
      exact: null, formula: `VAT on commission: round(${l.amount} × ${os.commission_vat_rate}) = ${l.vat}`,
      calc: { op: 'vat', base: l.amount, rate: os.commission_vat_rate, result: l.vat }, amount: sign * l.vat,
    });
    const rb = { ...common, role, counterparty };
    contributions.push(...reversals(line, l.amount, sign, `commission ${l.rule}`, 'commission', rb));
    contributions.push(...reversals(line, l.vat, sign, `commission VAT ${l.rule}`, 'commission_vat', rb));
  }

  if (line.fee_share !== 0 && line.roles.owner === entity) {
    contributions.push({
      ...none, kind: 'fee_share', role: 'owner', direction: 'pays', exact: null, amount: -line.fee_share,
      formula: `PSP fee share: ${os.psp_fees} spread over the order's lines by gross = ${line.fee_share} (not reversed)`,
      calc: { op: 'fee_share', fees: os.psp_fees, result: line.fee_share },
    });
  }
  if (d.fee_to_platform !== 0 && os.platform === entity) {
    contributions.push({
      ...none, kind: 'fee_share', role: 'platform', direction: 'pays', exact: null, amount: -d.fee_to_platform,
      formula: `PSP fee share of the cancelled line: ${d.fee_to_platform}, borne by the platform (not reversed)`,
      calc: { op: 'fee_cancelled_line', result: d.fee_to_platform },
    });
  }

  const total = contributions.reduce((s, c) => s + c.amount, 0);
  const vatExact = new Dec(line.gross).times(d.vat_rate).div(new Dec(1).plus(d.vat_rate)).toFixed();
  return {
    order: os.id,
    line: line.id,
    entity,
    currency: os.currency,
    roles,
    gross: line.gross,
    vat: line.vat,
    net: line.net,
    line_formula: `gross ${line.gross}; VAT = round(${line.gross} × ${d.vat_rate} / (1 + ${d.vat_rate})) = round(${trimExact(vatExact)}) = ${line.vat}; net = ${line.net}`,
    line_calc: { gross: line.gross, vat_rate: d.vat_rate, vat: line.vat, net: line.net },
    contributions,
    total,
  };
}

function trimExact(s: string): string {
  const i = s.indexOf('.');
  return i >= 0 && s.length - i > 7 ? `${s.slice(0, i + 7)}…` : s;
}

/** Every line's explanation for the entity, plus the order-level part; adds up to its payout. */
export function explainPayout(os: OrderSettlement, entity: string): PayoutExplanation {
  const lines = os.lines.map((l) => explain(os, l.id, entity)).filter((e) => e.contributions.length > 0);
  const orderLevel: Contribution[] = [];
  if (os.platform_fees !== 0 && os.platform === entity) {
    orderLevel.push({
      kind: 'psp_fees', role: 'platform', direction: 'pays', counterparty: null, group: null, rule: null, base: null, rate: null, exact: null,
      formula: `PSP fees of the order, borne by the platform: ${os.platform_fees} (not reversed)`, amount: -os.platform_fees,
      calc: { op: 'platform_fees', result: os.platform_fees },
    });
  }
  const total = lines.reduce((s, e) => s + e.total, 0) + orderLevel.reduce((s, c) => s + c.amount, 0);
  return { order: os.id, entity, currency: os.currency, lines, order_level: orderLevel, total };
}

/** Plain-text rendering of an explanation, amounts with the currency's exponent. */
export function formatExplanation(e: Explanation | PayoutExplanation): string {
  const money = (n: number) => `${formatMinor(n, e.currency)} ${e.currency}`;
  const out: string[] = [];
  const renderLine = (x: Explanation) => {
    out.push(`Order ${x.order}, line ${x.line}, ${x.entity}${x.roles.length ? ` (${x.roles.join(', ')})` : ''}: ${money(x.total)}`);
    out.push(`  ${x.line_formula}`);
    for (const c of x.contributions) {
      const who = [c.rule, c.role, c.counterparty ? (c.direction === 'receives' ? `from ${c.counterparty}` : `to ${c.counterparty}`) : null].filter(Boolean).join(', ');
      out.push(`  ${fmtSigned(c.amount).padStart(12)}  ${c.kind.padEnd(9)} ${who ? `[${who}] ` : ''}${c.formula}${c.exact && !/^-?\d+$/.test(c.exact) ? ` (exact ${c.exact})` : ''}`);
    }
  };
  if ('lines' in e) {
    out.push(`Payout of ${e.entity} on order ${e.order}: ${money(e.total)}`);
    for (const x of e.lines) renderLine(x);
    for (const c of e.order_level) out.push(`  ${fmtSigned(c.amount).padStart(12)}  ${c.kind.padEnd(9)} ${c.formula}`);
  } else renderLine(e);
  return `${out.join('\n')}\n`;
}
