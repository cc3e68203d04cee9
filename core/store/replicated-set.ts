// What travels from the hub to its replicas (docs/deployment.md, docs/decisions/0009-network-replication.md).
//
// Data is replicated as documents: a document is one kind of record with a key (an order with
// its lines, payments, events, settlements, shares, parties and routing; a journal entry with
// its lines; an entity of the registry...). The hub's change log records which documents
// changed; a pull sends each changed document whole, as it is now, to the replicas whose scope
// it concerns. So a replica never replays history: it holds what the hub holds.
//
// HOW A NEW TABLE JOINS THE REPLICATED SET
// 1. Add it to a kind below (or a new kind), with the column(s) holding the document key (and,
//    rarely, how its changes are marked: see `marked`).
// 2. For a new kind, say which scope tags it carries in `docTags` (core/store/doc-tags.ts).
// That is all: when the hub starts, `ensureChangeLog` (core/store/change-triggers.ts) creates
// the change triggers of a table new to the set and marks its rows dirty, so they reach the
// replicas with the next pulls; replicas take whatever the page brings once they run the same
// version. `test/unit/replication/replicated-set.test.ts` checks every table listed exists and
// gets its triggers. A table that does not travel is listed in UNREPLICATED_TABLES with where it
// lives (the hub's devices, imports, approvals; each installation's sessions, audit trail, sync
// bookkeeping); the test fails on a table in neither list.

export interface ReplicatedTable {
  table: string;
  /** The columns holding the document key, in key order. */
  key: readonly string[];
  /**
   * How a change to the table marks its document dirty (core/store/change-triggers.ts):
   * - 'trigger' (default): change triggers, whatever code writes it;
   * - 'head': none of its own: the table is append-only (its triggers refuse updates and
   *   deletes) and only ever inserted together with a change to its document's head row, in
   *   the same transaction (an order's lines with the order, a revision's lines and shares with
   *   the settlement, a journal entry's lines with the entry);
   * - 'writer': the store's one writer of the table marks it (core/store/books-repo.ts, invoice-repo.ts): journal
   *   entries and invoices are written by thousands per import, and a trigger on a table with
   *   foreign keys makes SQLite keep a statement journal for every insert (measured: it doubled
   *   the cost of posting the books).
   */
  marked?: 'trigger' | 'head' | 'writer';
}

export interface DocKind {
  kind: string;
  /** Tables holding the document's rows; the first one holds its head row. */
  tables: readonly ReplicatedTable[];
}

const byOrder = (table: string, marked?: 'head'): ReplicatedTable => ({ table, key: ['order_id'], ...(marked ? { marked } : {}) });

export const DOC_KINDS: readonly DocKind[] = [
  // The registry, the settings and the rule book: shared by the whole network.
  { kind: 'setting', tables: [{ table: 'network_settings', key: ['key'] }] },
  // An entity with the history of its posting granularity (detail or daily books, per month).
  { kind: 'entity', tables: [{ table: 'entities', key: ['id'] }, { table: 'posting_granularity', key: ['entity'] }] },
  { kind: 'location', tables: [{ table: 'locations', key: ['id'] }] },
  { kind: 'catchment', tables: [{ table: 'catchments', key: ['postcode_prefix'] }] },
  { kind: 'rule', tables: [{ table: 'rules', key: ['id'] }] },
  // An order and everything computed from it, for every entity party to it.
  {
    kind: 'order',
    tables: [
      { table: 'orders', key: ['id'] }, byOrder('order_lines', 'head'), byOrder('payments', 'head'), byOrder('events'), byOrder('settlements'),
      byOrder('settlement_revisions', 'head'), byOrder('settlement_lines', 'head'), byOrder('order_parties', 'head'),
      byOrder('routing_offers'), byOrder('routing_history'),
      // What its legs put on invoices and its movements in daily books (one row per posting run,
      // append-only, written by the posting run without touching the order: marked by triggers;
      // a periodic invoice's movements are subledger rows keyed inv:<number>, decision 0020).
      byOrder('invoice_items'), byOrder('subledger'),
    ],
  },
  // Books, per entity.
  { kind: 'journal_entry', tables: [{ table: 'journal_entries', key: ['id'], marked: 'writer' }, { table: 'journal_lines', key: ['entry_id'], marked: 'head' }] },
  {
    kind: 'invoice',
    tables: [{ table: 'invoices', key: ['id'], marked: 'writer' }, { table: 'invoice_lines', key: ['invoice_id'], marked: 'head' }, { table: 'invoice_deliveries', key: ['invoice_id'] }],
  },
  // A month still to invoice between a supplier and a customer: its sums and the invoices its
  // credit note will correct (what closing a period checks).
  {
    kind: 'invoice_month',
    tables: [
      { table: 'invoice_totals', key: ['supplier', 'customer', 'currency', 'month'] },
      { table: 'invoice_credit_refs', key: ['supplier', 'customer', 'currency', 'month'] },
    ],
  },
  // Daily books: a day's sums per journal and account set, until and after its entry is written.
  { kind: 'daily_batch', tables: [{ table: 'daily_batches', key: ['id'] }, { table: 'daily_batch_lines', key: ['batch_id'] }] },
  // The dashboard's totals per entity and local day (kept for the platform entity only).
  { kind: 'day_total', tables: [{ table: 'entity_day_totals', key: ['entity', 'day'] }, { table: 'entity_day_legs', key: ['entity', 'day'] }] },
  { kind: 'account', tables: [{ table: 'accounts', key: ['entity', 'number'] }] },
  { kind: 'account_mapping', tables: [{ table: 'account_mappings', key: ['entity', 'role'] }] },
  { kind: 'closed_period', tables: [{ table: 'closed_periods', key: ['entity', 'period'] }] },
  { kind: 'posting_issue', tables: [{ table: 'posting_issues', key: ['event'] }] },
  { kind: 'erp_batch', tables: [{ table: 'erp_batches', key: ['entity', 'period'] }] },
  // Escrow leaving: release runs, transfers, what the PSP confirmed, and the delivery state of
  // the hub's calls (a replica shows them; it never sends them).
  { kind: 'release_run', tables: [{ table: 'release_runs', key: ['id'] }] },
  { kind: 'transfer', tables: [{ table: 'transfers', key: ['id'] }, { table: 'transfer_items', key: ['transfer_id'], marked: 'head' }] },
  { kind: 'psp_object', tables: [{ table: 'psp_objects', key: ['psp', 'psp_id'] }] },
  { kind: 'outbox', tables: [{ table: 'outbox', key: ['id'] }] },
  // The people who sign in on a replica: store managers and controllers of its scope.
  { kind: 'user', tables: [{ table: 'users', key: ['id'] }] },
  // The hub's answer to a command a replica pushed: to that replica only.
  { kind: 'command', tables: [{ table: 'device_commands', key: ['device_id', 'command_id'] }] },
];

/**
 * Every other table, and where it lives (the classification test fails on a table in neither
 * list, so a new migration cannot forget its tables):
 * - 'hub': head office's state, on the hub only (a replica refuses the operations that write it);
 * - 'local': each installation's own (its sessions, its audit chain, its sync bookkeeping), never sent.
 */
export const UNREPLICATED_TABLES: Readonly<Record<string, { where: 'hub' | 'local'; why: string }>> = {
  change_dirty: { where: 'hub', why: 'the change log: documents changed and not sealed yet' },
  change_log: { where: 'hub', why: 'the change log the replicas pull from' },
  devices: { where: 'hub', why: 'enrolled devices and the hashes of their credentials' },
  imports: { where: 'hub', why: 'network feeds are imported on the hub' },
  outbox_attempts: { where: 'hub', why: 'the delivery attempts of PSP and ERP calls, which only the hub sends (the calls themselves replicate)' },
  psp_events: { where: 'hub', why: 'the PSP webhooks the hub receives' },
  reconciliation_runs: { where: 'hub', why: 'PSP reconciliation is head office\'s work' },
  reconciliation_items: { where: 'hub', why: 'PSP reconciliation is head office\'s work' },
  reconciliation_explanations: { where: 'hub', why: 'notes on reconciliation mismatches, by head office' },
  release_approvals: { where: 'hub', why: 'four eyes before a release run, which runs on the hub (the run and its transfers replicate)' },
  rule_drafts: { where: 'hub', why: 'rules edited before publication on the hub (the published version replicates as a rule)' },
  routing_state: { where: 'hub', why: 'the routing scheduler\'s cursors; the scheduler runs on the hub' },
  sandbox_psp_objects: { where: 'hub', why: 'the sandbox PSP, which stands for the platform\'s PSP' },
  sandbox_psp_requests: { where: 'hub', why: 'the sandbox PSP, which stands for the platform\'s PSP' },
  audit_log: { where: 'local', why: 'each installation\'s own audit chain (a replica sends its head with each push)' },
  command_outbox: { where: 'local', why: 'a replica\'s decisions waiting for the hub (pushed as commands, answered as device_commands)' },
  inbox_reads: { where: 'local', why: 'which requests a user opened, written where the user opens them (inbox.markRead runs on a replica too), not sent up: an unread count is a screen\'s state, not the network\'s' },
  replica_docs: { where: 'local', why: 'the documents a replica holds and their versions' },
  replica_state: { where: 'local', why: 'a replica\'s hub, cursor and status' },
  schema_migrations: { where: 'local', why: 'the migrations applied to this database' },
  sessions: { where: 'local', why: 'sign-ins on this installation' },
  sign_in_throttles: { where: 'local', why: 'failed sign-ins on this installation' },
  sync_state: { where: 'local', why: 'the PSP/ERP runner\'s cursors and the desktop\'s call journal' },
};

const KINDS = new Map(DOC_KINDS.map((k) => [k.kind, k]));

export function docKind(kind: string): DocKind | undefined {
  return KINDS.get(kind);
}

/** Every replicated table, once. */
export const REPLICATED_TABLES: readonly ReplicatedTable[] = DOC_KINDS.flatMap((k) => k.tables);

/**
 * A document key as the change triggers write it: the value itself for a one-column key, a
 * JSON array for a composite one (`["LYON","411000"]`).
 */
export function encodeKey(parts: readonly unknown[]): string {
  return parts.length === 1 ? String(parts[0]) : JSON.stringify(parts);
}

/** The keys of documents grouped by their kind's name, in the order first seen. */
export function keysByKind(docs: Iterable<{ kind: string; key: string }>): Map<string, string[]> {
  const byKind = new Map<string, string[]>();
  for (const d of docs) {
    const keys = byKind.get(d.kind);
    if (keys) keys.push(d.key);
    else byKind.set(d.kind, [d.key]);
  }
  return byKind;
}

/** The key parts of a document key; null when it does not fit the kind's key. */
export function decodeKey(kind: DocKind, key: string): string[] | null {
  const width = kind.tables[0]!.key.length;
  if (width === 1) return [key];
  let parts: unknown;
  try {
    parts = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parts) || parts.length !== width) return null;
  return parts.map((p) => String(p));
}
