// The shapes the views read from the API (core/api/network.ts). Kept by hand: the renderer
// bundle must not pull server code (zod schemas, SQLite types) in.
export type Role = 'admin' | 'finance' | 'controller' | 'store_manager' | 'auditor';

export interface NetworkSummary {
  name: string | null;
  demo: boolean;
  platform_entity: string | null;
  entities: number;
  locations: number;
  catchments: number;
  rules: number;
  orders: number;
  lines: number;
  events: number;
}

export const ENTITY_KINDS = ['franchisor', 'franchisee', 'subsidiary', '3pl', 'other'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export interface Entity {
  id: string;
  name: string;
  kind: EntityKind;
  siren: string;
  vat_number: string | null;
  region: string | null;
  psp_account: string | null;
  erp_code: string | null;
  fiscal_year_end: string;
  currency: string;
}

export const LOCATION_KINDS = ['store', 'warehouse', 'dark_store'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export interface Location {
  id: string;
  entity: string;
  operator: string;
  kind: LocationKind;
  postcode: string | null;
  ship: boolean;
  collect: boolean;
}

export interface Catchment { postcode_prefix: string; location: string }

export const ATTRIBUTION_KEYS = ['pickup', 'catchment', 'shipper', 'platform'] as const;
export type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];

export interface FxRate { date: string; from: string; to: string; rate: string }

export interface Settings {
  name?: string;
  platform_entity: string;
  commission_vat_rate: string;
  return_window_days: number;
  psp_fee_bearer: 'platform' | 'owners_pro_rata';
  web_attribution: AttributionKey[];
  offer_deadline_hours: number;
  after_release_recovery: 'net' | 'reverse';
  fx_rates: FxRate[];
}

// Orders and settlement (core/api/orders.ts) ---------------------------------------------------

export const CHANNELS = ['web', 'app', 'phone', 'store', 'endless_aisle'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface OrderRow {
  id: string;
  created_at: string;
  channel: Channel;
  currency: string;
  captured: number;
  psp_fees: number;
  refunded: number;
  /** 1 when every line is released, cancelled or refunded. */
  closed: number;
  lines: number;
  /** The viewing entity's payout on the order (only with `entity`). */
  amount: number | null;
}

export interface OrderList { total: number; rows: OrderRow[] }

export const LINE_STATUSES = ['pending', 'accepted', 'shipped', 'delivered', 'collected', 'fulfilled', 'cancelled', 'returned'] as const;
export type LineStatus = (typeof LINE_STATUSES)[number];

export interface OrderLeg {
  group: string; rule: string; to_role: string; to: string | null; from_role: string; from: string | null;
  base: number; rate: string; amount: number; vat: number; void: string | null; reversed_amount: number; reversed_vat: number;
}

export interface OrderLine {
  id: string;
  status: LineStatus;
  fulfiller: string;
  roles: { owner: string; shipper: string; pickup: string | null; catchment: string | null; origin: string | null; seller: string | null };
  release_at: string | null;
  returned: number;
  /** Null when the line does not concern the caller's entities. */
  gross: number | null; vat: number | null; net: number | null; refunded: number | null; fee_share: number | null;
  decisions: { group: string; rule: string; legs: number }[];
  legs: OrderLeg[];
}

export interface OrderDetail {
  order: { id: string; channel: Channel; origin: string | null; customer_postcode: string | null; created_at: string; currency: string; discount: number };
  revision: number;
  computed_at: string;
  closed: boolean;
  captured: number | null;
  psp_fees: number | null;
  refunded: number | null;
  lines: OrderLine[];
  shares: { line_id: string; entity: string; kind: string; amount: number; release_at: string | null }[];
  payouts: Record<string, number>;
  warnings: { code?: string; entity?: string; message?: string; amount?: number }[];
  revisions: { revision: number; computed_at: string; reason: string }[];
}

export interface Contribution {
  kind: 'gross' | 'leg' | 'leg_vat' | 'reversal' | 'fee_share' | 'psp_fees' | 'void_leg';
  role: string;
  direction: 'receives' | 'pays' | 'none';
  counterparty: string | null;
  group: string | null;
  rule: string | null;
  base: number | null;
  rate: string | null;
  exact: string | null;
  formula: string;
  amount: number;
  void?: 'same_entity' | 'unresolved';
}

export interface Explanation {
  order: string; line: string; entity: string; currency: string; roles: string[];
  gross: number; vat: number; net: number; line_formula: string; contributions: Contribution[]; total: number;
}

// Dashboard (core/api/dashboard.ts) ---------------------------------------------------------

export interface DashboardCurrency {
  currency: string;
  orders: number;
  lines_owned: number;
  sales_gross: number;
  sales_net: number;
  returned_gross: number;
  earned: { group: string; amount: number; vat: number }[];
  paid: { group: string; amount: number; vat: number }[];
  fees: number;
  payout: number;
  escrow: { held: number; released: number };
  upcoming: { date: string; amount: number }[];
  daily: { date: string; payout: number; sales_gross: number }[];
}

export interface Dashboard { entity: string; from: string | null; to: string | null; at: string; currencies: DashboardCurrency[] }

// Rules (core/api/rules.ts) -----------------------------------------------------------------

export const LEG_ROLES = ['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller'] as const;
export const DELIVERY_MODES = ['home_delivery', 'click_and_collect', 'ship_from_store', 'in_store'] as const;
export const LINE_KINDS = ['goods', 'shipping', 'service'] as const;

export interface RuleWhen {
  channel?: Channel[];
  delivery_mode?: (typeof DELIVERY_MODES)[number][];
  kind?: (typeof LINE_KINDS)[number][];
  category?: string[];
  seller?: string[];
  owner?: string[];
  seller_region?: string[];
  owner_region?: string[];
  seller_is_owner?: boolean;
}

export interface RuleLeg { to: string; from: string; rate: string; base: 'net' | 'gross'; per_unit: number; min: number | null; max: number | null }

export interface StoredRule {
  id: string; version: number; group: string; name?: string; description?: string; priority: number;
  valid_from: string; valid_to: string | null; when: RuleWhen; legs: RuleLeg[]; status: 'active' | 'retired'; created_at: string;
}

export interface RuleConflict { group: string; rules: [string, string]; priority: number; conditions: number; winner: string; message: string }

export interface SimulationResult {
  orders: number;
  lines: number;
  changed_orders: number;
  entities: { entity: string; currency: string; current: number; draft: number; delta: number }[];
  rules: { rule: string; group: string; currency: string; current: number; draft: number; delta: number; lines_current: number; lines_draft: number }[];
  top_changes: { order: string; currency: string; deltas: Record<string, number> }[];
}

// Fulfilment inbox (core/api/inbox.ts) ------------------------------------------------------

export const REFUSAL_REASONS = ['no_stock', 'damaged', 'capacity', 'other'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface InboxRequest {
  offer: number; order: string; line: string; location: string; entity: string; operator: string;
  items: { sku: string | null; name: string | null; quantity: number }[];
  customer: { mode: 'home_delivery' | 'click_and_collect' | 'ship_from_store'; pickup_location: string | null; pickup_entity: string | null };
  channel: Channel; order_created_at: string; offered_at: string; deadline_at: string;
  status: 'open' | 'accepted' | 'refused' | 'timed_out' | 'closed' | string; overdue: boolean; closed_at: string | null; reason: string | null; note: string | null;
}
export interface InboxList { at: string; total: number; requests: InboxRequest[] }

// Escrow and anomalies (core/api/escrow.ts, anomalies.ts) --------------------------------------

export interface EscrowEntity { entity: string; currency: string; held: number; released: number; transferred: number; unpaid: number; balance: number }
export interface EscrowPosition { at: string; entities: EscrowEntity[]; truncated: boolean }

export interface Anomaly {
  kind: string; severity: 'error' | 'warning'; message: string; entities: string[];
  order?: string; currency?: string; amount?: number; ref?: string; details?: Record<string, unknown>;
}
export interface AnomalyList {
  at: string; kinds: { kind: string; description: string }[]; counts: Record<string, number>; anomalies: Anomaly[]; failures: { kind: string; message: string }[];
}

// Books (core/api/journal.ts, exports.ts) -------------------------------------------------------

export interface PeriodStatus { name: string; kind: 'year' | 'month'; start: string; end: string; closed: boolean; closed_at: string | null }
export interface Periods { entity: string; fiscal_year_end: string; years: (PeriodStatus & { months: PeriodStatus[] })[] }

export interface JournalLine {
  account: string; account_label: string; aux: string | null; aux_label: string | null; role: string;
  debit: number; credit: number; label: string; orig_amount: number; orig_currency: string;
}
export interface JournalEntry {
  id: number; number: string; journal: string; journal_label: string; fiscal_year: string; date: string; valid_at: string; label: string;
  piece_ref: string | null; piece_date: string | null; order: string | null; shifted: boolean; adjustment: boolean;
  currency: string; orig_currency: string; fx_rate: string | null; lines: JournalLine[];
}
export interface JournalEntries { entity: string; currency: string; period: PeriodStatus | null; total: number; entries: JournalEntry[] }

export interface ExportFile {
  format: 'fec' | 'csv' | 'ledger'; entity: string; period: string; name: string; mime: string; encoding: string;
  content: string; base64: string; entries: number; lines: number;
}

// Sync (core/api/sync.ts) -----------------------------------------------------------------------

export const OUTBOX_STATUSES = ['pending', 'in_flight', 'sent', 'failed', 'dead', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

export interface SyncStatus {
  counts: Record<OutboxStatus, number>;
  last_success: { id: number; kind: string; entity: string | null; idempotency_key: string; sent_at: string } | null;
  last_error: { id: number; kind: string; entity: string | null; status: OutboxStatus; code: string | null; message: string | null; at: string } | null;
  next_attempt_at: string | null;
  psp_failures: number;
  offline_since?: string | null;
}

export interface OutboxRow {
  id: number; kind: string; target: string; idempotency_key: string; entity: string | null; status: OutboxStatus; attempts: number;
  next_attempt_at: string | null; last_error: string | null; last_error_code: string | null; created_at: string; sent_at: string | null;
  updated_at: string; payload: unknown; response: unknown;
}
