// Kysely table types, one interface per table. Money columns are integer minor units; rates
// are decimal strings; times are ISO 8601 UTC strings; *_json columns hold JSON text.
import type { Generated } from 'kysely';
import type { EntityKind, LocationKind, OutboxStatus, Role } from '../../common/vocabulary.js';

export interface NetworkSettingsTable { key: string; value: string }

export interface EntitiesTable {
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
  /** IANA time zone (migration 0010). */
  time_zone: string;
  /** Posting granularity requested (migration 0011); `posting_granularity` says from which month. */
  posting: 'detail' | 'daily';
}

export interface LocationsTable {
  id: string;
  entity: string;
  operator: string;
  kind: LocationKind;
  postcode: string | null;
  ship: number;
  collect: number;
}

export interface CatchmentsTable { postcode_prefix: string; location: string }

export interface RulesTable {
  id: string;
  version: number;
  rule_group: string;
  name: string | null;
  description: string | null;
  priority: number;
  valid_from: string;
  valid_to: string | null;
  when_json: string;
  legs_json: string;
  content_hash: string;
  status: 'active' | 'retired';
  created_at: string;
  /** Who published the version (migration 0013); null when it came from an imported file. */
  published_by: string | null;
  published_by_name: string | null;
}

export interface OrdersTable {
  id: string;
  channel: string;
  origin: string | null;
  customer_postcode: string | null;
  created_at: string;
  currency: string;
  discount: number;
  content_hash: string;
  imported_at: string;
  /** Insertion order (migration 0015): the routing scheduler's order cursor. */
  seq: Generated<number>;
}

export interface OrderLinesTable {
  order_id: string;
  line_id: string;
  seq: number;
  sku: string | null;
  name: string | null;
  category: string | null;
  kind: string;
  quantity: number;
  unit_price: number;
  discount: number;
  vat_rate: string;
  delivery_mode: string;
  candidates_json: string;
  pickup_location: string | null;
}

export interface PaymentsTable {
  order_id: string;
  payment_id: string;
  seq: number;
  method: string | null;
  amount: number;
  psp_fee: number;
  captured_at: string;
}

export interface EventsTable {
  seq: Generated<number>;
  event_key: string;
  order_id: string;
  line_id: string;
  type: string;
  at: string;
  payload_json: string;
  received_at: string;
  source: string;
}

export interface ImportsTable {
  seq: Generated<number>;
  file_hash: string;
  source: string;
  at: string;
  summary_json: string;
}

export interface SchemaMigrationsTable { name: string; applied_at: string }

export interface DB {
  network_settings: NetworkSettingsTable;
  entities: EntitiesTable;
  locations: LocationsTable;
  catchments: CatchmentsTable;
  rules: RulesTable;
  orders: OrdersTable;
  order_lines: OrderLinesTable;
  payments: PaymentsTable;
  events: EventsTable;
  imports: ImportsTable;
  schema_migrations: SchemaMigrationsTable;
  settlements: SettlementsTable;
  settlement_lines: SettlementLinesTable;
  entity_shares: EntitySharesTable;
  order_parties: OrderPartiesTable;
}

// ---- Outbox, PSP sync and reconciliation (migration 0005, docs/sync.md) ---------------------
// Declared as a second `interface DB` so the tables merge into the one above.

export type { OutboxStatus };

export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  target: string;
  idempotency_key: string;
  entity: string | null;
  depends_on: string | null;
  payload_json: string;
  payload_hash: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  claimed_by: string | null;
  claimed_at: string | null;
  last_error: string | null;
  last_error_code: string | null;
  created_at: string;
  first_attempt_at: string | null;
  sent_at: string | null;
  updated_at: string;
  response_json: string | null;
  adapter: string | null;
}

export interface OutboxAttemptsTable {
  seq: Generated<number>;
  outbox_id: number;
  attempt: number;
  started_at: string;
  finished_at: string;
  outcome: 'sent' | 'retry' | 'offline' | 'blocked' | 'dead' | 'interrupted' | 'found' | 'operator_retry' | 'operator_cancel';
  error_code: string | null;
  error: string | null;
  http_status: number | null;
  actor: string | null;
}

export interface PspObjectsTable {
  psp: string;
  psp_id: string;
  type: 'capture' | 'transfer' | 'transfer_reversal' | 'refund' | 'payout';
  outbox_key: string | null;
  entity: string | null;
  destination: string | null;
  parent_psp_id: string | null;
  amount: number;
  amount_reversed: number;
  fee: number | null;
  currency: string;
  status: string;
  status_rank: number;
  failure_code: string | null;
  release_run: string | null;
  orders_json: string | null;
  psp_created: string | null;
  first_seen_at: string;
  updated_at: string;
  last_source: string;
}

export interface PspEventsTable {
  psp: string;
  event_id: string;
  type: string;
  object_id: string | null;
  psp_created: string | null;
  source: string;
  payload_json: string;
  received_at: string;
  applied: 'applied' | 'stale' | 'ignored' | 'unmatched';
  note: string | null;
}

export interface SyncStateTable { key: string; value: string; updated_at: string }

export interface ReconciliationRunsTable {
  id: Generated<number>;
  at: string;
  psp: string;
  source: string;
  file_hash: string;
  period_from: string | null;
  period_to: string | null;
  report_rows: number;
  matched: number;
  mismatches: number;
  summary_json: string;
}

export interface ReconciliationItemsTable {
  run_id: number;
  seq: number;
  category: string;
  status: string;
  entity: string | null;
  currency: string | null;
  expected: number | null;
  actual: number | null;
  difference: number | null;
  ventil_ref: string | null;
  psp_ref: string | null;
  orders_json: string | null;
  message: string;
}

export interface SandboxPspRequestsTable {
  idempotency_key: string;
  operation: string;
  params_hash: string;
  response_json: string;
  created_at: string;
}

export interface SandboxPspObjectsTable {
  seq: Generated<number>;
  id: string;
  type: string;
  amount: number;
  currency: string;
  destination: string | null;
  parent_id: string | null;
  status: string;
  metadata_json: string;
  created_at: string;
}

export interface DB {
  outbox: OutboxTable;
  outbox_attempts: OutboxAttemptsTable;
  psp_objects: PspObjectsTable;
  psp_events: PspEventsTable;
  sync_state: SyncStateTable;
  reconciliation_runs: ReconciliationRunsTable;
  reconciliation_items: ReconciliationItemsTable;
  sandbox_psp_requests: SandboxPspRequestsTable;
  sandbox_psp_objects: SandboxPspObjectsTable;
}

export interface SettlementsTable {
  order_id: string;
  revision: number;
  computed_at: string;
  reason: string;
  currency: string;
  captured: number;
  psp_fees: number;
  refunded: number;
  warnings_json: string;
}

export interface SettlementLinesTable {
  order_id: string;
  revision: number;
  line_id: string;
  seq: number;
  status: string;
  fulfiller: string;
  owner: string;
  shipper: string;
  pickup: string | null;
  catchment: string | null;
  origin: string | null;
  seller: string | null;
  gross: number;
  vat: number;
  net: number;
  fee_share: number;
  returned: number;
  refunded: number;
  reversed_gross: number;
  reversed_vat: number;
  release_at: string | null;
  decisions_json: string;
  /** The line's legs: an array of arrays, fields in the order of LEG_FIELDS (settlement-repo.ts). */
  legs_json: string;
}

/** A view since migration 0018: the shares held in their revision's `shares_json`. */
export interface EntitySharesTable {
  order_id: string;
  revision: number;
  line_id: string;
  entity: string;
  kind: 'line' | 'fee';
  amount: number;
  currency: string;
  release_at: string | null;
}

export interface OrderPartiesTable { entity: string; order_id: string; created_at: string }

// ---- Users, sessions and the audit trail (migrations/0006_users_audit.ts) -------------------

export interface UsersTable {
  id: string;
  name: string;
  login: string;
  role: Role;
  regions_json: string;
  entities_json: string;
  password_hash: string;
  must_change_password: number;
  created_at: string;
  updated_at: string;
  password_changed_at: string;
  last_login_at: string | null;
  disabled: number;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
}

export interface AuditLogTable {
  seq: number;
  at: string;
  actor_id: string;
  actor_name: string;
  actor_role: string;
  operation: string;
  outcome: string;
  entities_json: string;
  input_json: string;
  before_json: string | null;
  after_json: string | null;
  prev_hash: string;
  hash: string;
}

// Declaration merging adds these tables to `DB` without touching its declaration above.
export interface DB {
  users: UsersTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
}

// ---- Routing and release runs (migration 0003, docs/lifecycle.md, docs/release.md) ----------

export type OfferStatus = 'open' | 'accepted' | 'refused' | 'timed_out' | 'withdrawn';

export interface RoutingOffersTable {
  id: Generated<number>;
  order_id: string;
  line_id: string;
  location: string;
  entity: string;
  operator: string;
  offered_at: string;
  deadline_at: string;
  status: OfferStatus;
  closed_at: string | null;
  reason: string | null;
  note: string | null;
  closed_by: string | null;
  event_key: string | null;
}

export type RoutingAction = 'offered' | 'accepted' | 'refused' | 'timed_out' | 'withdrawn' | 'cancelled';

export interface RoutingHistoryTable {
  seq: Generated<number>;
  order_id: string;
  line_id: string;
  offer_id: number | null;
  location: string | null;
  action: RoutingAction;
  at: string;
  deadline_at: string | null;
  reason: string | null;
  note: string | null;
  actor: string;
  source: string;
  event_key: string | null;
  recorded_at: string;
}

export interface RoutingStateTable { key: string; value: number }

export interface ReleaseRunsTable {
  id: string;
  as_of: string;
  created_at: string;
  recovery: 'net' | 'reverse';
  transfer_count: number;
  content_hash: string;
  actor: string;
}

export type TransferKind = 'transfer' | 'withdrawal' | 'reversal';

export interface TransfersTable {
  id: string;
  run_id: string;
  entity: string;
  currency: string;
  /** Signed: > 0 for a transfer or withdrawal, < 0 for a reversal. */
  amount: number;
  kind: TransferKind;
  idempotency_key: string;
  status: string;
  created_at: string;
  reverses: string | null;
  destination: string | null;
  /** Insertion order (migration 0015): older transfers have smaller seq. */
  seq: Generated<number>;
}

export interface TransferItemsTable {
  transfer_id: string;
  order_id: string;
  /** '' for the order's PSP fee shares. */
  line_id: string;
  /** Signed like the transfer; a transfer's items add up to its amount. */
  amount: number;
}

export interface DB {
  routing_offers: RoutingOffersTable;
  routing_history: RoutingHistoryTable;
  routing_state: RoutingStateTable;
  release_runs: ReleaseRunsTable;
  transfers: TransfersTable;
  transfer_items: TransferItemsTable;
}

// ---- Books: journal, invoices, chart, periods, ERP batches (migration 0004, docs/accounting.md)

export interface AccountsTable { entity: string; number: string; label: string; created_at: string }
export interface AccountMappingsTable { entity: string; role: string; account: string; updated_at: string }
export interface ClosedPeriodsTable { entity: string; period: string; kind: 'month' | 'year'; start_date: string; end_date: string; closed_at: string; closed_by: string }

export interface JournalEntriesTable {
  id: Generated<number>;
  entity: string;
  journal: string;
  fiscal_year: string;
  number: number;
  entry_date: string;
  event_at: string;
  shifted: number;
  adjustment: number;
  valid_at: string;
  label: string;
  piece_ref: string;
  piece_date: string;
  source_key: string;
  order_id: string | null;
  transfer_id: string | null;
  invoice_id: number | null;
  currency: string;
  orig_currency: string;
  fx_rate: string | null;
  fx_date: string | null;
}

export interface JournalLinesTable {
  entry_id: number;
  seq: number;
  fact: string;
  role: string;
  account: string;
  aux: string | null;
  debit: number;
  credit: number;
  label: string;
  amount_orig: number;
  orig_currency: string;
}

export interface InvoicesTable {
  id: Generated<number>;
  number: string;
  series: string;
  seq: number;
  kind: 'invoice' | 'credit_note';
  supplier: string;
  customer: string;
  issued_by: string;
  self_billed: number;
  issue_date: string;
  fiscal_year: string;
  /** The month (YYYY-MM) a periodic invoice covers; null for a per-order invoice (before migration 0011). */
  period: string | null;
  group_name: string | null;
  currency: string;
  net: number;
  vat: number;
  total: number;
  vat_rate: string;
  order_id: string | null;
  line_id: string | null;
  source_key: string;
  credits: string | null;
  created_at: string;
}

export interface InvoiceLinesTable {
  invoice_id: number;
  seq: number;
  group_name: string;
  rate: string;
  description: string;
  base: number;
  net: number;
  vat: number;
  items: number;
  fact: string | null;
  rule_ref: string | null;
  to_role: string | null;
}

export interface ErpBatchesTable { entity: string; period: string; idempotency_key: string; entries: number; lines: number; debit: number; credit: number; digest: string; created_at: string }

export interface PostingIssuesTable { event: string; order_id: string | null; transfer_id: string | null; entities_json: string; code: string; message: string; first_seen_at: string; last_seen_at: string; event_at: string | null }

export interface DB {
  posting_issues: PostingIssuesTable;
  accounts: AccountsTable;
  account_mappings: AccountMappingsTable;
  closed_periods: ClosedPeriodsTable;
  journal_entries: JournalEntriesTable;
  journal_lines: JournalLinesTable;
  invoices: InvoicesTable;
  invoice_lines: InvoiceLinesTable;
  erp_batches: ErpBatchesTable;
}

// ---- Day totals for the dashboards (migration 0010) ------------------------------------------

export interface EntityDayTotalsTable {
  entity: string;
  /** Local date of the orders' creation, in the entity's time zone. */
  day: string;
  currency: string;
  orders: number;
  lines_owned: number;
  sales_gross: number;
  sales_net: number;
  returned_gross: number;
  owned_gross: number;
  payout: number;
  fees: number;
  /** Line shares without a release time yet (held). */
  unscheduled: number;
  /** The latest release time of the day's line shares (never lowered). */
  last_release_at: string | null;
}

export interface EntityDayLegsTable {
  entity: string;
  day: string;
  currency: string;
  group_name: string;
  earned: number;
  earned_vat: number;
  paid: number;
  paid_vat: number;
  earn_legs: number;
  pay_legs: number;
}

export interface DB {
  entity_day_totals: EntityDayTotalsTable;
  entity_day_legs: EntityDayLegsTable;
}

// ---- Periodic invoices, posting granularity, daily books (migration 0011) ---------------------

export interface PostingGranularityTable { entity: string; from_month: string; granularity: 'detail' | 'daily'; set_at: string }
export interface InvoiceItemsTable { order_id: string; seq: number; items_json: string; created_at: string }
/** A month's sums, until its documents are issued (then deleted: their lines carry them; `issued` stays 0 since migration 0017). */
export interface InvoiceTotalsTable {
  supplier: string; customer: string; currency: string; month: string; kind: 'invoice' | 'credit_note'; group_name: string; rate: string;
  base: number; net: number; vat: number; items: number; issued: number;
}
export interface InvoiceCreditRefsTable { supplier: string; customer: string; currency: string; month: string; credits: string }
export interface InvoiceDeliveriesTable { invoice_id: number; sent_at: string; sent_by: string; channel: string }
export interface SubledgerTable { id: Generated<number>; order_id: string; lines_json: string; created_at: string }
export interface DailyBatchesTable {
  id: Generated<number>; entity: string; journal: string; entry_date: string; accounts: string; currency: string; movements: number;
  first_detail: number; last_detail: number; entry_id: number | null;
}
export interface DailyBatchLinesTable { batch_id: number; role: string; account: string; aux: string; orig_currency: string; debit: number; credit: number; debit_orig: number; credit_orig: number }

export interface DB {
  posting_granularity: PostingGranularityTable;
  invoice_items: InvoiceItemsTable;
  invoice_totals: InvoiceTotalsTable;
  invoice_credit_refs: InvoiceCreditRefsTable;
  invoice_deliveries: InvoiceDeliveriesTable;
  subledger: SubledgerTable;
  daily_batches: DailyBatchesTable;
  daily_batch_lines: DailyBatchLinesTable;
}

// ---- Sign-in throttles (migration 0008, docs/security.md) -----------------------------------

export interface SignInThrottlesTable {
  kind: 'login' | 'source';
  key: string;
  failures: number;
  first_failure_at: string;
  last_failure_at: string;
}

export interface DB {
  sign_in_throttles: SignInThrottlesTable;
}

// ---- One network, many installations (migration 0009, docs/deployment.md) -----------------

export interface ChangeDirtyTable { kind: string; key: string }
export interface ChangeLogTable { tag: string; seq: number; kind: string; key: string; live: number }

export interface DevicesTable {
  id: string;
  name: string;
  scope: string;
  status: 'pending' | 'active' | 'revoked';
  code_hash: string;
  code_expires_at: string;
  code_used_at: string | null;
  secret_hash: string | null;
  created_at: string;
  created_by: string;
  enrolled_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
  last_seen_at: string | null;
  last_seq: number | null;
  anchor_json: string | null;
  anchor_at: string | null;
}

export interface DeviceCommandsTable {
  device_id: string;
  command_id: string;
  op: string;
  user_id: string;
  input_json: string;
  issued_at: string;
  applied_at: string;
  status: 'accepted' | 'refused';
  error_code: string | null;
  error_message: string | null;
}

export interface ReplicaStateTable {
  id: number;
  status: 'joining' | 'active' | 'revoked';
  hub_url: string;
  ca_pem: string | null;
  join_code: string | null;
  device_id: string | null;
  device_name: string | null;
  scope: string | null;
  cursor: string;
  tags_json: string;
  hub_seq: number;
  epoch: number;
  resync: number;
  created_at: string;
  joined_at: string | null;
  data_as_of: string | null;
  last_contact_at: string | null;
  offline_since: string | null;
  last_error_code: string | null;
  last_error: string | null;
  revoked_at: string | null;
}

export interface ReplicaDocsTable { kind: string; key: string; seq: number; tags_json: string; epoch: number }

export interface CommandOutboxTable {
  seq: Generated<number>;
  id: string;
  op: string;
  input_json: string;
  user_id: string;
  user_name: string;
  entities_json: string;
  summary: string;
  created_at: string;
  pushed_at: string | null;
  push_attempts: Generated<number>;
}

export interface DB {
  change_dirty: ChangeDirtyTable;
  change_log: ChangeLogTable;
  devices: DevicesTable;
  device_commands: DeviceCommandsTable;
  replica_state: ReplicaStateTable;
  replica_docs: ReplicaDocsTable;
  command_outbox: CommandOutboxTable;
}

// ---- The back office's workflows (migrations/0013_back_office.ts) ---------------------------

export type ReleaseApprovalStatus = 'pending' | 'approved' | 'rejected' | 'executed' | 'withdrawn';

export interface ReleaseApprovalsTable {
  id: string;
  as_of: string;
  /** sha256 of the planned transfers' idempotency keys: the approval holds for this plan only. */
  plan_hash: string;
  transfer_count: number;
  totals_json: string;
  status: ReleaseApprovalStatus;
  prepared_by: string;
  prepared_by_name: string;
  prepared_at: string;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: string | null;
  note: string | null;
  run_id: string | null;
}

export interface ReconciliationExplanationsTable {
  run_id: number;
  seq: number;
  note: string;
  explained_by: string;
  explained_by_name: string;
  explained_at: string;
}

export interface InboxReadsTable { user_id: string; offer_id: number; read_at: string }

export interface RuleDraftsTable {
  id: string;
  rule_id: string;
  /** The version the draft changes; null for a new rule. */
  base_version: number | null;
  body_json: string;
  status: 'draft' | 'published' | 'discarded';
  created_by: string;
  created_by_name: string;
  created_at: string;
  updated_at: string;
  published_version: number | null;
  published_at: string | null;
}

export interface DB {
  release_approvals: ReleaseApprovalsTable;
  reconciliation_explanations: ReconciliationExplanationsTable;
  inbox_reads: InboxReadsTable;
  rule_drafts: RuleDraftsTable;
}
