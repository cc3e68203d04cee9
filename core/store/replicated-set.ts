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
// gets its triggers. Tables left out stay on the installation that wrote them (the hub's
// sessions, audit trail, outbox attempts, imports; a replica's own commands).

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
  { kind: 'entity', tables: [{ table: 'entities', key: ['id'] }] },
  { kind: 'location', tables: [{ table: 'locations', key: ['id'] }] },
  { kind: 'catchment', tables: [{ table: 'catchments', key: ['postcode_prefix'] }] },
  { kind: 'rule', tables: [{ table: 'rules', key: ['id'] }] },
  // An order and everything computed from it, for every entity party to it.
  {
    kind: 'order',
    tables: [
      { table: 'orders', key: ['id'] }, byOrder('order_lines', 'head'), byOrder('payments', 'head'), byOrder('events'), byOrder('settlements'),
      byOrder('settlement_revisions', 'head'), byOrder('settlement_lines', 'head'), byOrder('entity_shares', 'head'), byOrder('order_parties', 'head'),
      byOrder('routing_offers'), byOrder('routing_history'),
    ],
  },
  // Books, per entity.
  { kind: 'journal_entry', tables: [{ table: 'journal_entries', key: ['id'], marked: 'writer' }, { table: 'journal_lines', key: ['entry_id'], marked: 'head' }] },
  { kind: 'invoice', tables: [{ table: 'invoices', key: ['id'], marked: 'writer' }, { table: 'invoice_lines', key: ['invoice_id'], marked: 'head' }] },
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
