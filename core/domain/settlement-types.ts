// The shapes the engine produces: the `ventil.settlement/1` report (docs/formats.md) and the richer
// per-order settlement it is cut from, which keeps what explanations and journals need.
import type { LINE_STATUSES } from '../../common/vocabulary.js';
import type { Minor } from './money.js';

export type LineStatus = (typeof LINE_STATUSES)[number];
export type VoidReason = 'same_entity' | 'unresolved';

/** The entity playing each role for a line (null when the role does not resolve). */
export interface Roles {
  owner: string;
  shipper: string;
  pickup: string | null;
  catchment: string | null;
  origin: string | null;
  platform: string;
  seller: string | null;
}

/** Which rule decided a group for a line, legs or not. */
export interface Decision {
  group: string;
  rule: string; // ID@VERSION
  legs: number;
}

export interface Warning {
  code: string;
  message: string;
  entity?: string;
  line?: string;
}

// ---------------------------------------------------------------------------------------------
// Report (ventil.settlement/1)

export interface ReportLeg {
  group: string;
  rule: string;
  to_role: string;
  to: string | null;
  from: string | null;
  base: Minor;
  rate: string;
  amount: Minor;
  vat: Minor;
  void: VoidReason | null;
}

export interface ReportLine {
  id: string;
  status: LineStatus;
  fulfiller: string;
  gross: Minor;
  vat: Minor;
  net: Minor;
  fee_share: Minor;
  roles: Roles;
  legs: ReportLeg[];
  returned: number;
  refunded: Minor;
  decisions: Decision[];
}

export interface EscrowShare {
  held: Minor;
  released: Minor;
}

export interface ReportOrder {
  id: string;
  currency: string;
  captured: Minor;
  psp_fees: Minor;
  refunded: Minor;
  lines: ReportLine[];
  payouts: Record<string, Minor>;
  escrow: Record<string, EscrowShare>;
  warnings: Warning[];
}

export interface CurrencyTotals {
  captured: Minor;
  psp_fees: Minor;
  refunded: Minor;
  payouts: Record<string, Minor>;
}

export interface SettlementReport {
  format: 'ventil.settlement/1';
  as_of: string;
  orders: ReportOrder[];
  totals: Record<string, CurrencyTotals>;
}

// ---------------------------------------------------------------------------------------------
// Settlement of one order (superset of the report's order)

export interface LegSettlement extends ReportLeg {
  /** The role or `entity:<id>` paying, as written in the rule (default `owner`). */
  from_role: string;
  base_kind: 'net' | 'gross';
  /** round(base × rate), before per-unit amounts and clamping. */
  computed: Minor;
  per_unit: Minor;
  quantity: number;
  min: Minor | null;
  max: Minor | null;
  /** Total reversed so far by returns and cancellation (cumulative). */
  reversed_amount: Minor;
  reversed_vat: Minor;
}

export interface ReturnStep {
  at: string;
  quantity: number;
}

export interface LineDetail {
  quantity: number;
  unit_price: Minor;
  /** The line's own discount, as given. */
  line_discount: Minor;
  /** Its share of the order discount (spread by gross before line discounts). */
  order_discount: Minor;
  vat_rate: string;
  /** Units whose amounts are reversed: returned units, or all of them when cancelled. */
  reversed_units: number;
  reversed_gross: Minor;
  reversed_vat: Minor;
  reversed_net: Minor;
  /** Share of the PSP fees of a cancelled line, borne by the platform (owners_pro_rata). */
  fee_to_platform: Minor;
  /** When its shares leave escrow (delivery, collection or in-store sale + return window). */
  release_at: string | null;
  released: boolean;
  refused: string[];
  return_steps: ReturnStep[];
  cancelled_at: string | null;
}

/** A report line with each leg's working and the line's detail, for explanations. */
export interface LineSettlement extends ReportLine {
  legs: LegSettlement[];
  detail: LineDetail;
}

export interface OrderSettlement {
  id: string;
  currency: string;
  captured: Minor;
  psp_fees: Minor;
  refunded: Minor;
  lines: LineSettlement[];
  payouts: Record<string, Minor>;
  escrow: Record<string, EscrowShare>;
  warnings: Warning[];
  // Not in the report:
  as_of: string;
  created_at: string;
  platform: string;
  fee_bearer: 'platform' | 'owners_pro_rata';
  /** The network's commission VAT rate the legs' VAT was computed with. */
  commission_vat_rate: string;
  /** PSP fees borne by the platform as bearer (all of them under `platform`, else 0). */
  platform_fees: Minor;
  /** Customer refunds per payment, cumulative: the refunded total spread by payment amounts. */
  refunds: { payment: string; amount: Minor }[];
}

