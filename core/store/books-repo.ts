// Reads and writes of the books (migrations 0004 and 0011): journal entries and lines, the chart
// and its mapping, closed periods, posting granularity, ERP batches and posting issues. Entries
// are only ever inserted. Invoices are in invoice-repo.ts, the daily subledger in subledger-repo.ts.
import { buildChart, type AccountDef, type AccountRole, type Chart, type JournalCode } from '../domain/books-accounts.js';
import type { FxRate } from '../domain/books-fx.js';
import { closedPeriodHolding } from '../domain/books-calendar.js';
import { journalNumbers, validationClock } from '../domain/journal-numbering.js';
import { granularityOf, type Granularity, type GranularityChange } from '../domain/daily-books.js';
import type { PostedLine } from '../domain/postings.js';
import type { Selectable } from 'kysely';
import { all, qb, run } from './query.js';
import type { JournalEntriesTable, JournalLinesTable } from './schema.js';
import type { Db } from './db.js';
import { lastIdSql, lockUntilCommit, tableExists } from './dialect.js';
import { bulkInsert } from './bulk-insert.js';
import { dirtyMarker } from './change-triggers.js';
import { batchSides, sideOrder } from './subledger-repo.js';

export interface BookEntity {
  id: string;
  name: string;
  kind: string;
  siren: string;
  vat_number: string | null;
  region: string | null;
  erp_code: string | null;
  fiscal_year_end: string;
  currency: string;
  time_zone: string;
}

/** What a posting run needs to know about the network, loaded once per run. */
export interface BooksSetup {
  platform: string;
  commissionVatRate: string;
  fxRates: FxRate[];
  entities: Map<string, BookEntity>;
  chart(entity: string): Chart;
  closedMonths(entity: string): Set<string>;
  /** The entity's posting granularity for a month (YYYY-MM). */
  granularity(entity: string, month: string): Granularity;
  /** Whether the platform issues the supplier's invoices under the network's billing mandate. */
  selfBilled(supplier: string): boolean;
}

function setting<T>(db: Db, key: string): T | undefined {
  const row = db.prepare('SELECT value FROM network_settings WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

/** The network's billing mandate: the platform issues every supplier's invoices ('all'), none, or those of the entities listed. */
export type SelfBilling = 'all' | 'none' | string[];

export function listBookEntities(db: Db): BookEntity[] {
  return db.prepare('SELECT id, name, kind, siren, vat_number, region, erp_code, fiscal_year_end, currency, time_zone FROM entities ORDER BY id').all() as BookEntity[];
}

export function getBookEntity(db: Db, id: string): BookEntity | undefined {
  return db.prepare('SELECT id, name, kind, siren, vat_number, region, erp_code, fiscal_year_end, currency, time_zone FROM entities WHERE id = ?').get(id) as BookEntity | undefined;
}

/**
 * A books setup as plain data (structured-cloneable: the settlement worker receives it): every
 * entity with its own accounts and mapping overrides, closed months and granularity changes.
 */
export interface BooksSetupData {
  platform: string;
  commissionVatRate: string;
  fxRates: FxRate[];
  mandate: SelfBilling;
  entities: BookEntity[];
  /** Entities with accounts of their own: number and label, in number order. */
  accounts: [entity: string, accounts: AccountDef[]][];
  /** Entities with mapping overrides: role to account. */
  mappings: [entity: string, overrides: Record<string, string>][];
  closedMonths: [entity: string, months: string[]][];
  granularity: [entity: string, changes: GranularityChange[]][];
}

/** Every group of rows `[entity, ...]` by entity, in the order read. */
function byEntity<T>(rows: readonly (readonly [string, ...unknown[]])[], item: (row: never) => T): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r[0]);
    if (!list) out.set(r[0], (list = []));
    list.push(item(r as never));
  }
  return out;
}

/** The books setup read in a few whole-table statements (small tables). */
export function loadBooksSetupData(db: Db): BooksSetupData {
  const accounts = byEntity(db.prepare('SELECT entity, number, label FROM accounts ORDER BY entity, number').raw().all() as [string, string, string][],
    ([, number, label]: [string, string, string]) => ({ number, label }));
  const mappings = byEntity(db.prepare('SELECT entity, role, account FROM account_mappings').raw().all() as [string, string, string][],
    ([, role, account]: [string, string, string]) => [role, account] as const);
  const closed = byEntity(db.prepare("SELECT entity, period FROM closed_periods WHERE kind = 'month'").raw().all() as [string, string][],
    ([, period]: [string, string]) => period);
  return {
    platform: setting<string>(db, 'platform_entity') ?? '',
    commissionVatRate: setting<string>(db, 'commission_vat_rate') ?? '0.20',
    fxRates: setting<FxRate[]>(db, 'fx_rates') ?? [],
    mandate: setting<SelfBilling>(db, 'self_billing') ?? 'all',
    entities: listBookEntities(db),
    accounts: [...accounts],
    mappings: [...mappings].map(([e, pairs]) => [e, Object.fromEntries(pairs)]),
    closedMonths: [...closed],
    granularity: [...granularityChanges(db)],
  };
}

/** The BooksSetup of plain data, on either thread: charts and closed-month sets built when first asked. */
export function booksSetupFrom(data: BooksSetupData): BooksSetup {
  const { platform, mandate } = data;
  const entities = new Map(data.entities.map((e) => [e.id, e]));
  const accounts = new Map(data.accounts);
  const mappings = new Map(data.mappings);
  const months = new Map(data.closedMonths);
  const changes = new Map(data.granularity);
  const charts = new Map<string, Chart>();
  const closed = new Map<string, Set<string>>();
  return {
    platform,
    granularity: (entity, month) => granularityOf(changes.get(entity) ?? [], month),
    selfBilled: (supplier) => supplier !== platform && (mandate === 'all' || (Array.isArray(mandate) && mandate.includes(supplier))),
    commissionVatRate: data.commissionVatRate,
    fxRates: data.fxRates,
    entities,
    chart(entity) {
      let c = charts.get(entity);
      if (!c) charts.set(entity, (c = buildChart(accounts.get(entity) ?? [], mappings.get(entity) ?? {})));
      return c;
    },
    closedMonths(entity) {
      let s = closed.get(entity);
      if (!s) closed.set(entity, (s = new Set(months.get(entity) ?? [])));
      return s;
    },
  };
}

export function loadBooksSetup(db: Db): BooksSetup {
  return booksSetupFrom(loadBooksSetupData(db));
}

// ---- Chart and mapping --------------------------------------------------------------------

export function ownAccounts(db: Db, entity: string): AccountDef[] {
  return db.prepare('SELECT number, label FROM accounts WHERE entity = ? ORDER BY number').all(entity) as AccountDef[];
}

export function mappingOverrides(db: Db, entity: string): Record<string, string> {
  const rows = db.prepare('SELECT role, account FROM account_mappings WHERE entity = ?').all(entity) as { role: string; account: string }[];
  return Object.fromEntries(rows.map((r) => [r.role, r.account]));
}

export function loadChart(db: Db, entity: string): Chart {
  return buildChart(ownAccounts(db, entity), mappingOverrides(db, entity));
}

export function upsertAccount(db: Db, entity: string, a: AccountDef, now: string): void {
  db.prepare('INSERT INTO accounts (entity, number, label, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (entity, number) DO UPDATE SET label = excluded.label')
    .run(entity, a.number, a.label, now);
}

export function setMapping(db: Db, entity: string, role: AccountRole, account: string, now: string): void {
  db.prepare('INSERT INTO account_mappings (entity, role, account, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (entity, role) DO UPDATE SET account = excluded.account, updated_at = excluded.updated_at')
    .run(entity, role, account, now);
}

// ---- Periods ------------------------------------------------------------------------------

export interface ClosedPeriodRow { entity: string; period: string; kind: 'month' | 'year'; start_date: string; end_date: string; closed_at: string; closed_by: string }

export function closedPeriods(db: Db, entity: string): ClosedPeriodRow[] {
  return db.prepare('SELECT * FROM closed_periods WHERE entity = ? ORDER BY start_date, kind').all(entity) as ClosedPeriodRow[];
}

/** Every entity's closed periods (a small table), each entity's in `closedPeriods`' order. */
function closedPeriodsByEntity(db: Db): Map<string, ClosedPeriodRow[]> {
  const out = new Map<string, ClosedPeriodRow[]>();
  for (const row of db.prepare('SELECT * FROM closed_periods ORDER BY entity, start_date, kind').all() as ClosedPeriodRow[]) {
    let list = out.get(row.entity);
    if (!list) out.set(row.entity, (list = []));
    list.push(row);
  }
  return out;
}

export function closedMonths(db: Db, entity: string): Set<string> {
  return new Set((db.prepare("SELECT period FROM closed_periods WHERE entity = ? AND kind = 'month'").pluck().all(entity) as string[]));
}

/** The first and last entry dates of an entity's books (null when it has none). */
export function entryDateRange(db: Db, entity: string): { lo: string | null; hi: string | null } {
  return db.prepare('SELECT MIN(entry_date) AS lo, MAX(entry_date) AS hi FROM journal_entries WHERE entity = ?').get(entity) as { lo: string | null; hi: string | null };
}

export function insertClosedPeriod(db: Db, row: ClosedPeriodRow): void {
  db.prepare('INSERT INTO closed_periods (entity, period, kind, start_date, end_date, closed_at, closed_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(row.entity, row.period, row.kind, row.start_date, row.end_date, row.closed_at, row.closed_by);
}

// ---- What is posted -----------------------------------------------------------------------

const POSTED_SELECT = `SELECT e.entity, e.source_key AS event, l.fact, l.role, l.aux, SUM(l.amount_orig) AS amount,
    MIN(e.journal) AS journal, MIN(e.orig_currency) AS currency, MIN(e.order_id) AS "order", MIN(e.transfer_id) AS transfer
  FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id`;
const POSTED_GROUP = 'GROUP BY e.entity, e.source_key, l.fact, l.role, l.aux';

/**
 * Posted amounts of some orders in detailed books, summed per entity, event, fact and account
 * role. Legs booked with their order before migration 0011 are left out: legs are now booked on
 * their periodic invoice, and what was booked then stays as it is.
 */
export function postedForOrders(db: Db, orderIds: readonly string[]): PostedLine[] {
  if (orderIds.length === 0) return [];
  return db.prepare(`${POSTED_SELECT} WHERE e.order_id IN (SELECT value FROM json_each(?)) AND l.fact NOT LIKE 'leg:%' ${POSTED_GROUP}`).all(JSON.stringify(orderIds)) as PostedLine[];
}

export function postedForTransfers(db: Db, transferIds: readonly string[]): PostedLine[] {
  if (transferIds.length === 0) return [];
  return db.prepare(`${POSTED_SELECT} WHERE e.transfer_id IN (SELECT value FROM json_each(?)) ${POSTED_GROUP}`).all(JSON.stringify(transferIds)) as PostedLine[];
}

/** Transfers of release runs that have no journal entry yet (tolerates a database without them). */
export function unpostedTransfers(db: Db): { id: string; run_id: string; entity: string; currency: string; amount: number; kind: string; created_at: string; as_of: string | null }[] {
  if (!tableExists(db, 'transfers')) return [];
  return db.prepare(`SELECT t.id, t.run_id, t.entity, t.currency, t.amount, t.kind, t.created_at, r.as_of
    FROM transfers t LEFT JOIN release_runs r ON r.id = t.run_id
    WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.transfer_id = t.id) ORDER BY t.created_at, t.id`).all() as never;
}

// ---- Writing ------------------------------------------------------------------------------

export class BooksWriteError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'BooksWriteError';
  }
}

/** A journal entry to write: its table row without the generated id and number, with its lines. */
export type EntryInsert = Omit<JournalEntriesTable, 'id' | 'number' | 'journal' | 'shifted' | 'adjustment'> & {
  journal: JournalCode;
  shifted: boolean;
  adjustment: boolean;
  /** Each line's original currency is the entry's, unless it names its own (a daily entry sums several). */
  lines: (Omit<JournalLinesTable, 'entry_id' | 'seq' | 'orig_currency'> & { orig_currency?: string })[];
};

export function entryWriter(db: Db) {
  const next = db.prepare('SELECT COALESCE(MAX(number), 0) + 1 FROM journal_entries WHERE entity = ? AND journal = ? AND fiscal_year = ?').pluck();
  // Ids given here (AUTOINCREMENT: never below what was ever used), so that entries and lines go
  // in multi-row statements and a caller learns each entry's id before it is written.
  lockUntilCommit(db, 'journal_entries');
  const lastId = db.prepare(lastIdSql(db, 'journal_entries')).pluck();
  const entries = bulkInsert(db, `INSERT INTO journal_entries (id, entity, journal, fiscal_year, number, entry_date, event_at, shifted, adjustment, valid_at, label,
      piece_ref, piece_date, source_key, order_id, transfer_id, invoice_id, currency, orig_currency, fx_rate, fx_date) VALUES`, 21,
    { sqliteRows: 1 }); // wide rows: one per statement measured 15 to 20 % faster than 64 (docs/performance.md)
  const lines = bulkInsert(db, `INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency) VALUES`, 11,
    { before: () => entries.flush() });
  // On a hub, each entry goes to the change log for the replicas (core/store/replicated-set.ts: this
  // writer marks them; a trigger would cost a statement journal per insert).
  const mark = dirtyMarker(db, 'journal_entry');
  // The writer lives within one transaction (one posting run), so nobody else numbers in between.
  const numberOf = journalNumbers((s) => next.get(s.entity, s.journal, s.fiscal_year) as number);
  let id: number | null = null;
  // Entries are validated in order (id order), in every book.
  const lastValid = db.prepare('SELECT valid_at FROM journal_entries ORDER BY id DESC LIMIT 1').pluck();
  const validAtOf = validationClock(() => (lastValid.get() as string | undefined) ?? '');
  // Every entity's closed periods, read in one statement when the first entry is queued: a run
  // writes through a new writer per chunk, and a statement per entity and writer added up.
  let closed: Map<string, ClosedPeriodRow[]> | null = null;
  const closedFor = (entity: string) => (closed ??= closedPeriodsByEntity(db)).get(entity) ?? [];
  /** Numbers the entry (next in its entity, journal and fiscal year) and queues its rows. */
  const queue = (e: EntryInsert): { id: number; number: number } => {
    if (closedPeriodHolding(closedFor(e.entity), e.entry_date)) {
      throw new BooksWriteError('period_closed', `${e.entity}: the period of ${e.entry_date} is closed; an entry goes to the first open period`);
    }
    const number = numberOf(e);
    id = (id ?? (lastId.get() as number)) + 1;
    const validAt = validAtOf(e.valid_at);
    entries.add([id, e.entity, e.journal, e.fiscal_year, number, e.entry_date, e.event_at, e.shifted ? 1 : 0, e.adjustment ? 1 : 0,
      validAt, e.label, e.piece_ref, e.piece_date, e.source_key, e.order_id, e.transfer_id, e.invoice_id, e.currency, e.orig_currency, e.fx_rate, e.fx_date]);
    for (let i = 0; i < e.lines.length; i++) {
      const l = e.lines[i]!;
      lines.add([id, i, l.fact, l.role, l.account, l.aux, l.debit, l.credit, l.label, l.amount_orig, l.orig_currency ?? e.orig_currency]);
    }
    mark(id);
    return { id, number };
  };
  return {
    /**
     * Numbers and writes entries, in order, with multi-row statements; returns each one's id and
     * number. Nothing is left queued: the entries are in the table when it returns. A writer
     * that threw (a closed period) is not used again: its transaction rolls back.
     */
    insertAll(list: readonly EntryInsert[]): { id: number; number: number }[] {
      const out = list.map(queue);
      entries.flush();
      lines.flush();
      return out;
    },
    /** Numbers the entry and writes it. */
    insert(e: EntryInsert): { id: number; number: number } {
      return this.insertAll([e])[0]!;
    },
    /**
     * Writes the lines of days' entries (written without lines, already marked for the replicas,
     * their batches pointed at them) from their batches' sums, in one statement: one line per
     * account and side, labelled as the entry.
     */
    insertDayLines(entryIds: readonly number[]): void {
      if (entryIds.length === 0) return;
      db.prepare(`WITH s AS (${batchSides('b.entry_id IN (SELECT CAST(value AS INTEGER) FROM json_each(@ids))')})
        INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
        SELECT s.entry_id, row_number() OVER (PARTITION BY s.entry_id ${sideOrder('s.')}) - 1, 'day', s.role, s.account, nullif(s.aux, ''), s.debit, s.credit,
          e.label, s.amount_orig, s.orig_currency
        FROM s JOIN journal_entries e ON e.id = s.entry_id`).run({ ids: JSON.stringify(entryIds) });
    },
  };
}

// ---- Reading entries ----------------------------------------------------------------------

/** A stored journal entry, its journal code typed. */
export type EntryRow = Omit<Selectable<JournalEntriesTable>, 'journal'> & { journal: JournalCode };

export interface LineRow {
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

export interface EntryFilter {
  entity: string;
  from?: string;
  to?: string;
  journal?: string;
  order?: string;
  limit?: number;
  offset?: number;
}

function entryWhere(f: EntryFilter): { sql: string; args: unknown[] } {
  const where = ['e.entity = ?'];
  const args: unknown[] = [f.entity];
  if (f.from) { where.push('e.entry_date >= ?'); args.push(f.from); }
  if (f.to) { where.push('e.entry_date <= ?'); args.push(f.to); }
  if (f.journal) { where.push('e.journal = ?'); args.push(f.journal); }
  if (f.order) { where.push('e.order_id = ?'); args.push(f.order); }
  return { sql: where.join(' AND '), args };
}

/** Entries in validation order, with their lines. */
export function listEntries(db: Db, f: EntryFilter): { total: number; entries: (EntryRow & { lines: LineRow[] })[] } {
  const { sql, args } = entryWhere(f);
  const total = db.prepare(`SELECT COUNT(*) FROM journal_entries e WHERE ${sql}`).pluck().get(...args) as number;
  const limit = f.limit ?? -1;
  const entries = db.prepare(`SELECT e.* FROM journal_entries e WHERE ${sql} ORDER BY e.id LIMIT ? OFFSET ?`).all(...args, limit, f.offset ?? 0) as EntryRow[];
  const lines = entries.length === 0 ? [] : db.prepare('SELECT * FROM journal_lines WHERE entry_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?)) ORDER BY entry_id, seq')
    .all(JSON.stringify(entries.map((e) => e.id))) as LineRow[];
  const byEntry = new Map<number, LineRow[]>();
  for (const l of lines) {
    let list = byEntry.get(l.entry_id);
    if (!list) byEntry.set(l.entry_id, (list = []));
    list.push(l);
  }
  return { total, entries: entries.map((e) => ({ ...e, lines: byEntry.get(e.id) ?? [] })) };
}

/** Every line of an entity's entries in a date range, joined with its entry, in validation order. */
export function iterateLines(db: Db, f: EntryFilter): IterableIterator<EntryRow & Omit<LineRow, 'entry_id'> & { entry_id: number }> {
  const { sql, args } = entryWhere(f);
  return db.prepare(`SELECT e.*, l.entry_id, l.seq, l.fact, l.role, l.account, l.aux, l.debit, l.credit, l.label AS line_label, l.amount_orig
      FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id WHERE ${sql} ORDER BY e.id, l.seq`).iterate(...args) as never;
}

export interface BalanceRow { account: string; aux: string | null; debit: number; credit: number }

/**
 * Debits and credits per account (and auxiliary) over a date range (or all, without bounds).
 * À-nouveaux (journal AN) restate earlier balances: they are counted only when `opening` says so.
 */
export function accountTotals(db: Db, entity: string, from?: string, to?: string, opening = false): BalanceRow[] {
  const where = ['e.entity = ?', opening ? "e.journal = 'AN'" : "e.journal != 'AN'"];
  const args: unknown[] = [entity];
  if (from) { where.push('e.entry_date >= ?'); args.push(from); }
  if (to) { where.push('e.entry_date <= ?'); args.push(to); }
  return db.prepare(`SELECT l.account, l.aux, SUM(l.debit) AS debit, SUM(l.credit) AS credit FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
    WHERE ${where.join(' AND ')} GROUP BY l.account, l.aux ORDER BY l.account, l.aux`).all(...args) as BalanceRow[];
}

// ---- ERP batches --------------------------------------------------------------------------

export interface ErpBatchRow { entity: string; period: string; idempotency_key: string; entries: number; lines: number; debit: number; credit: number; digest: string; created_at: string }

export function insertErpBatch(db: Db, row: ErpBatchRow): void {
  db.prepare(`INSERT INTO erp_batches (entity, period, idempotency_key, entries, lines, debit, credit, digest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (entity, period) DO NOTHING`).run(row.entity, row.period, row.idempotency_key, row.entries, row.lines, row.debit, row.credit, row.digest, row.created_at);
}

export function erpBatches(db: Db, entity: string): (ErpBatchRow & { status: string | null; sent_at: string | null; attempts: number | null })[] {
  return db.prepare(`SELECT b.*, o.status, o.sent_at, o.attempts FROM erp_batches b LEFT JOIN outbox o ON o.idempotency_key = b.idempotency_key
    WHERE b.entity = ? ORDER BY b.period`).all(entity) as never;
}

// ---- Posting issues -----------------------------------------------------------------------

export interface PostingIssueRow { event: string; order_id: string | null; transfer_id: string | null; entities_json: string; code: string; message: string; first_seen_at: string; last_seen_at: string; event_at: string | null }

export function recordPostingIssue(db: Db, i: { event: string; order: string | null; transfer: string | null; entities: readonly string[]; code: string; message: string; eventAt: string | null }, now: string): void {
  db.prepare(`INSERT INTO posting_issues (event, order_id, transfer_id, entities_json, code, message, first_seen_at, last_seen_at, event_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (event) DO UPDATE SET code = excluded.code, message = excluded.message, entities_json = excluded.entities_json, last_seen_at = excluded.last_seen_at,
      event_at = excluded.event_at`)
    .run(i.event, i.order, i.transfer, JSON.stringify([...new Set(i.entities)].sort()), i.code, i.message, now, now, i.eventAt);
}

/** Events with a posting issue on record (a small table: read once per run). */
export function issueEvents(db: Db): Set<string> {
  return new Set(db.prepare('SELECT event FROM posting_issues').pluck().all() as string[]);
}

export function clearPostingIssues(db: Db, events: readonly string[]): void {
  if (events.length === 0) return;
  db.prepare('DELETE FROM posting_issues WHERE event IN (SELECT value FROM json_each(?))').run(JSON.stringify(events));
}

export function listPostingIssues(db: Db): PostingIssueRow[] {
  return db.prepare('SELECT * FROM posting_issues ORDER BY first_seen_at, event').all() as PostingIssueRow[];
}

// ---- Posting granularity ----------------------------------------------------------------------

/** Every entity's granularity changes (migration 0011). */
export function granularityChanges(db: Db): Map<string, GranularityChange[]> {
  const out = new Map<string, GranularityChange[]>();
  for (const r of all(db, qb.selectFrom('posting_granularity').select(['entity', 'from_month', 'granularity']).orderBy('entity').orderBy('from_month'))) {
    let list = out.get(r.entity);
    if (!list) out.set(r.entity, (list = []));
    list.push({ from_month: r.from_month, granularity: r.granularity });
  }
  return out;
}

/** Records that an entity's books take `granularity` from `fromMonth` on (a later change of the same month replaces it). */
export function setGranularity(db: Db, entity: string, fromMonth: string, granularity: Granularity, at: string): void {
  run(db, qb.insertInto('posting_granularity').values({ entity, from_month: fromMonth, granularity, set_at: at })
    .onConflict((oc) => oc.columns(['entity', 'from_month']).doUpdateSet({ granularity, set_at: at })));
}

/** Whether an entity has anything in its books (entries, or daily movements waiting for their entry). */
export function hasBooks(db: Db, entity: string): boolean {
  return !!db.prepare('SELECT 1 FROM journal_entries WHERE entity = ? UNION ALL SELECT 1 FROM daily_batches WHERE entity = ? LIMIT 1').get(entity, entity);
}

/** Every stored order id, in id order. */
export function allOrderIds(db: Db): string[] {
  return db.prepare('SELECT id FROM orders ORDER BY id').pluck().all() as string[];
}

/** Balances (debit positive) per role, account and auxiliary of an entity's entries up to a date, à-nouveaux left out. */
export function balancesUntil(db: Db, entity: string, to: string): { role: string; account: string; aux: string | null; amount: number }[] {
  return db.prepare(`SELECT l.role, l.account, l.aux, SUM(l.debit) - SUM(l.credit) AS amount FROM journal_entries e JOIN journal_lines l ON l.entry_id = e.id
    WHERE e.entity = ? AND e.entry_date <= ? AND e.journal != 'AN' GROUP BY l.role, l.account, l.aux ORDER BY l.account, l.aux, l.role`).all(entity, to) as never;
}

/** Whether an entity has an à-nouveaux entry for a fiscal year. */
export function hasOpeningEntry(db: Db, entity: string, fiscalYear: string): boolean {
  return !!db.prepare("SELECT 1 FROM journal_entries WHERE entity = ? AND journal = 'AN' AND fiscal_year = ?").get(entity, fiscalYear);
}

/** When the event a per-order invoice follows happened (its first entry's event time). */
export function eventAtOfInvoice(db: Db, invoiceId: number): string | undefined {
  return db.prepare('SELECT event_at FROM journal_entries WHERE invoice_id = ? ORDER BY id LIMIT 1').pluck().get(invoiceId) as string | undefined;
}

/** The daily entry of an entity with this piece reference. */
export function dailyEntryByPiece(db: Db, entity: string, piece: string): EntryRow | undefined {
  return db.prepare("SELECT * FROM journal_entries WHERE entity = ? AND piece_ref = ? AND source_key LIKE 'day:%' ORDER BY id LIMIT 1").get(entity, piece) as EntryRow | undefined;
}
