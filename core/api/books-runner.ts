// Keeps each entity's books following the settled state, with no manual step (docs/spec.md section 9,
// docs/accounting.md). After orders are settled (import, events, re-settlement: the settlement
// runner calls `postOrderBooks` in the same transaction) and after release runs write transfers
// (`postPendingEntries`), it computes what the books should hold (core/domain/postings.ts),
// compares it with what is posted, and writes only the difference as new, numbered, immutable
// entries, with the invoices and credit notes of the legs.
//
// An event that cannot be posted (no exchange rate for an entity's book currency) is skipped as a
// whole, in every book, and reported with a named error; the next run posts it once the rate
// exists (dated in the first open period if its own is closed by then).
import { buildContext } from '../domain/context.js';
import { ACCOUNT_NUMBER, type AccountRole } from '../domain/books-accounts.js';
import { accountingDate, fiscalYearOf, firstOpenDate } from '../domain/books-calendar.js';
import { FxRateMissingError, convertBalanced, findRate } from '../domain/books-fx.js';
import {
  PostingError, draftEntries, draftInvoices, orderMovements, transferMovements,
  type DraftEntry, type DraftInvoice, type LegFact, type Movement, type OrderBooksInput,
} from '../domain/postings.js';
import { eventsByOrder, settleOrder } from '../domain/settle.js';
import { isoUtc, toMs } from '../domain/time.js';
import { zonedStartOfDayIso } from '../domain/time-zone.js';
import {
  clearPostingIssues, entryWriter, invoiceWriter, invoicedForOrders, loadBooksSetup, postedForOrders, postedForTransfers, recordPostingIssue,
  unpostedTransfers, type BooksSetup, type EntryInsert,
} from '../store/books-repo.js';
import { loadEvents, loadNetwork, loadOrders, loadRules } from '../store/scenario-repo.js';
import type { Sqlite } from '../store/sqlite.js';

export interface PostingIssue {
  code: string;
  message: string;
  event: string;
  order: string | null;
  transfer: string | null;
}

export interface PostingRun {
  entries: number;
  invoices: number;
  issues: PostingIssue[];
}

const emptyRun = (): PostingRun => ({ entries: 0, invoices: 0, issues: [] });

const SERIES_PREFIX: Record<string, string> = { commission: 'COM', royalty: 'ROY', marketing: 'MKT', logistics: 'LOG' };

/** The invoice series prefix of a rule group: COM, ROY, MKT, LOG, else its first letters. */
export function seriesPrefix(group: string): string {
  return SERIES_PREFIX[group] ?? (group.replace(/[^A-Za-z0-9]/g, '').slice(0, 3).toUpperCase() || 'FAC');
}

/** Events with a posting issue on record (a small table: loaded once per run). */
function pendingEvents(db: Sqlite): Set<string> {
  return new Set(db.prepare('SELECT event FROM posting_issues').pluck().all() as string[]);
}

/** The validation time: now, or the start of the entry's day (in its book's zone) when the clock is behind it. */
let lastNowMs = NaN;
let lastNowText = '';
const dayStarts = new Map<string, string>();
function validAt(now: Date, date: string, zone: string): string {
  if (now.getTime() !== lastNowMs) { lastNowMs = now.getTime(); lastNowText = isoUtc(now.getTime()); }
  const key = `${zone}|${date}`;
  let day = dayStarts.get(key);
  if (day === undefined) {
    if (dayStarts.size > 100_000) dayStarts.clear();
    dayStarts.set(key, (day = zonedStartOfDayIso(date, zone)));
  }
  return lastNowText < day ? day : lastNowText;
}

interface Prepared {
  draft: DraftEntry;
  insert: Omit<EntryInsert, 'piece_ref' | 'piece_date' | 'invoice_id'>;
}

// Date arithmetic of a run, cached: thousands of entries share a few hundred instants and days.
const dateCache = new Map<string, string>();
function dateOf(at: string, zone: string): string {
  const key = `${zone}|${at}`;
  let d = dateCache.get(key);
  if (d === undefined) {
    if (dateCache.size > 100_000) dateCache.clear();
    dateCache.set(key, (d = accountingDate(at, zone)));
  }
  return d;
}
const fyCache = new Map<string, string>();
function fiscalYearName(date: string, fye: string): string {
  const key = `${date}|${fye}`;
  let n = fyCache.get(key);
  if (n === undefined) {
    if (fyCache.size > 100_000) fyCache.clear();
    fyCache.set(key, (n = fiscalYearOf(date, fye).name));
  }
  return n;
}

/** Turns a draft into book amounts and accounts; throws FxRateMissingError / PostingError. */
function prepare(setup: BooksSetup, d: DraftEntry, now: Date): Prepared {
  const ent = setup.entities.get(d.entity);
  if (!ent) throw new PostingError('unknown_entity', `entity ${d.entity} is not in the network`);
  const chart = setup.chart(d.entity);
  const zone = ent.time_zone;
  const eventDate = dateOf(d.eventAt, zone);
  let amounts = d.lines.map((l) => l.amount);
  let fx: { rate: string; date: string } | null = null;
  if (d.currency !== ent.currency) {
    const r = findRate(setup.fxRates, d.currency, ent.currency, eventDate);
    if (!r) throw new FxRateMissingError(d.currency, ent.currency, eventDate);
    amounts = convertBalanced(amounts, d.currency, ent.currency, r.rate);
    fx = { rate: r.rate, date: r.date };
  }
  const wanted = dateOf(d.at, zone);
  const { date, shifted } = firstOpenDate(wanted, setup.closedMonths(d.entity));
  const label = shifted ? `${d.label} (période close : événement du ${wanted})` : d.label;
  const lines = d.lines.map((l, i) => {
    const account = chart.mapping[l.role as AccountRole];
    if (!account || !chart.accounts.has(account) || !ACCOUNT_NUMBER.test(account)) {
      throw new PostingError('unknown_account', `${d.entity} maps ${l.role} to ${JSON.stringify(account)}, which is not in its chart of accounts`);
    }
    const a = amounts[i]!;
    return { fact: l.fact, role: l.role, account, aux: l.aux, debit: a > 0 ? a : 0, credit: a < 0 ? -a : 0, label, amount_orig: l.amount };
  });
  return {
    draft: d,
    insert: {
      entity: d.entity, journal: d.journal, fiscal_year: fiscalYearName(date, ent.fiscal_year_end), entry_date: date, event_at: d.eventAt,
      shifted, adjustment: d.adjustment, valid_at: validAt(now, date, zone), label, source_key: d.event,
      order_id: d.order, transfer_id: d.transfer, currency: ent.currency, orig_currency: d.currency, fx_rate: fx?.rate ?? null, fx_date: fx?.date ?? null,
      lines,
    },
  };
}

/** Writes drafts (and the invoices of their events), skipping every event that cannot be posted. */
interface Writers { entries: ReturnType<typeof entryWriter>; invoices: ReturnType<typeof invoiceWriter> }

/** Writers with their statements prepared once per run (a run stays within one transaction). */
function writersOf(db: Sqlite): () => Writers {
  let w: Writers | null = null;
  return () => (w ??= { entries: entryWriter(db), invoices: invoiceWriter(db) });
}

function writeDrafts(db: Sqlite, setup: BooksSetup, drafts: readonly DraftEntry[], invoices: readonly DraftInvoice[], now: Date, run: PostingRun, pending: Set<string>, writers: () => Writers) {
  const prepared: Prepared[] = [];
  const failed = new Set<string>();
  for (const d of drafts) {
    if (failed.has(d.event)) continue;
    try {
      prepared.push(prepare(setup, d, now));
    } catch (e) {
      if (!(e instanceof FxRateMissingError) && !(e instanceof PostingError)) throw e;
      failed.add(d.event);
      const issue = { code: e.code, message: `${d.event}: ${e.message}`, event: d.event, order: d.order, transfer: d.transfer };
      run.issues.push(issue);
      recordPostingIssue(db, { ...issue, entities: drafts.filter((x) => x.event === d.event).map((x) => x.entity) }, now.toISOString());
      pending.add(d.event);
    }
  }
  // Events posted now (or with nothing left to post) are no longer pending.
  if (pending.size > 0) {
    const done = [...new Set([...drafts.map((d) => d.event), ...invoices.map((i) => i.event)])].filter((e) => pending.has(e) && !failed.has(e));
    clearPostingIssues(db, done);
    for (const e of done) pending.delete(e);
  }
  if (prepared.length === 0 && invoices.length === 0) return;
  const { entries, invoices: inv } = writers();
  const byEvent = new Map<string, DraftInvoice[]>();
  for (const i of invoices) {
    if (failed.has(i.event)) continue;
    let list = byEvent.get(i.event);
    if (!list) byEvent.set(i.event, (list = []));
    list.push(i);
  }
  const created = new Map<string, { id: number; number: string; issue_date: string }>();
  const issueInvoices = (event: string) => {
    const list = byEvent.get(event);
    if (!list) return;
    byEvent.delete(event);
    for (const i of list) {
      const supplier = setup.entities.get(i.supplier);
      if (!supplier) throw new PostingError('unknown_entity', `entity ${i.supplier} is not in the network`);
      const issueDate = firstOpenDate(accountingDate(i.at, supplier.time_zone), setup.closedMonths(i.supplier)).date;
      const fy = fiscalYearOf(issueDate, supplier.fiscal_year_end).name;
      const prefix = seriesPrefix(i.group);
      const credit = i.kind === 'credit_note';
      const selfBilled = i.supplier !== setup.platform;
      const net = i.lines.reduce((s, l) => s + l.net, 0);
      const vat = i.lines.reduce((s, l) => s + l.vat, 0);
      const row = inv.insert({
        series: `${credit ? 'AV-' : ''}${prefix}-${i.supplier}-${fy}`, kind: i.kind, supplier: i.supplier, customer: i.customer,
        issued_by: selfBilled ? setup.platform : i.supplier, self_billed: selfBilled, issue_date: issueDate, fiscal_year: fy, group_name: i.group,
        currency: i.currency, net, vat, vat_rate: setup.commissionVatRate, order_id: i.order, line_id: i.line, source_key: i.event,
        credits: credit ? inv.creditedInvoice(i.order, i.line, i.group, i.supplier, i.customer) : null, created_at: now.toISOString(),
        lines: i.lines.map((l) => ({ fact: l.fact, rule_ref: l.rule, to_role: l.to_role, description: l.description, base: l.base, rate: l.rate, net: l.net, vat: l.vat })),
      });
      created.set(`${i.event}\u0000${i.key}`, { ...row, issue_date: issueDate });
      run.invoices++;
    }
  };
  for (const p of prepared) {
    if (failed.has(p.draft.event)) continue;
    issueInvoices(p.draft.event);
    const d = p.draft;
    let piece = { ref: d.piece.ref, date: dateOf(d.eventAt, setup.entities.get(d.entity)!.time_zone), invoice: null as number | null };
    if (d.piece.kind === 'invoice') {
      const [group, supplier, customer] = d.piece.ref.split('|') as [string, string, string];
      const i = created.get(`${d.event}\u0000${d.piece.ref}`) ?? inv.latest(d.event, d.order ?? '', group, supplier, customer);
      piece = i ? { ref: i.number, date: i.issue_date, invoice: i.id } : { ref: d.order ?? d.event, date: piece.date, invoice: null };
    }
    entries.insert({ ...p.insert, piece_ref: piece.ref, piece_date: piece.date, invoice_id: piece.invoice });
    run.entries++;
  }
  for (const event of [...byEvent.keys()]) issueInvoices(event);
}

/**
 * Posts what changed in the books of settled orders. Called by the settlement runner, in its
 * transaction, with the settlements it just computed.
 */
export function postOrderBooks(db: Sqlite, inputs: readonly OrderBooksInput[], now: Date, setup: BooksSetup = loadBooksSetup(db)): PostingRun {
  const run = emptyRun();
  if (inputs.length === 0) return run;
  const pending = pendingEvents(db);
  const writers = writersOf(db);
  const ids = inputs.map((i) => i.order.id);
  const posted = new Map<string, ReturnType<typeof postedForOrders>>();
  for (const p of postedForOrders(db, ids)) {
    const key = p.order ?? '';
    let list = posted.get(key);
    if (!list) posted.set(key, (list = []));
    list.push(p);
  }
  const invoiced = new Map<string, ReturnType<typeof invoicedForOrders>>();
  for (const i of invoicedForOrders(db, ids)) {
    let list = invoiced.get(i.order);
    if (!list) invoiced.set(i.order, (list = []));
    list.push(i);
  }
  for (const input of inputs) {
    const id = input.order.id;
    let drafts: DraftEntry[];
    let invoices: DraftInvoice[];
    try {
      const targets: { movements: Movement[]; legs: LegFact[]; adjustAt: string } = orderMovements(input);
      drafts = draftEntries(targets.movements, posted.get(id) ?? [], targets.adjustAt);
      invoices = draftInvoices(targets.legs, invoiced.get(id) ?? [], targets.adjustAt);
    } catch (e) {
      if (!(e instanceof PostingError)) throw e;
      const issue = { code: e.code, message: e.message, event: `order:${id}`, order: id, transfer: null };
      run.issues.push(issue);
      recordPostingIssue(db, { ...issue, entities: Object.keys(input.settlement.payouts) }, now.toISOString());
      pending.add(issue.event);
      continue;
    }
    if (pending.has(`order:${id}`)) { clearPostingIssues(db, [`order:${id}`]); pending.delete(`order:${id}`); }
    if (drafts.length === 0 && invoices.length === 0) continue;
    writeDrafts(db, setup, drafts, invoices, now, run, pending, writers);
  }
  return run;
}

/** Posts the transfers, withdrawals and reversals of release runs that have no entry yet. */
export function postTransferBooks(db: Sqlite, now: Date, setup: BooksSetup = loadBooksSetup(db)): PostingRun {
  const run = emptyRun();
  const rows = unpostedTransfers(db);
  if (rows.length === 0) return run;
  const posted = postedForTransfers(db, rows.map((r) => r.id));
  const targets = rows.flatMap((t) => transferMovements({
    id: t.id, run: t.run_id, entity: t.entity, currency: t.currency, amount: t.amount, kind: t.kind as 'transfer', at: t.created_at,
  }, setup.platform));
  writeDrafts(db, setup, draftEntries(targets, posted, isoUtc(now.getTime())), [], now, run, pendingEvents(db), writersOf(db));
  return run;
}

export interface PendingOptions {
  /** Orders to bring up to date; all stored orders when absent. */
  orderIds?: readonly string[];
  now: Date;
  /** Also post unposted transfers of release runs (default true). */
  transfers?: boolean;
  batchSize?: number;
}

/**
 * Brings the books up to date: re-derives the settlement of the given orders (as the settlement
 * runner does, without storing it), posts the differences, then posts unposted transfers. Safe to
 * call any number of times: an up-to-date book gets nothing. Run it inside the transaction that
 * wrote the change (a release run), or on its own (after adding an exchange rate).
 */
export function postPendingEntries(db: Sqlite, opts: PendingOptions): PostingRun {
  const run = emptyRun();
  const add = (r: PostingRun) => { run.entries += r.entries; run.invoices += r.invoices; run.issues.push(...r.issues); };
  db.transaction(() => {
    const setup = loadBooksSetup(db);
    const ids = opts.orderIds ? [...opts.orderIds] : (db.prepare('SELECT id FROM orders ORDER BY id').pluck().all() as string[]);
    if (ids.length > 0) {
      const ctx = buildContext(loadNetwork(db), loadRules(db));
      const nowMs = opts.now.getTime();
      const batch = opts.batchSize ?? 2000;
      for (let start = 0; start < ids.length; start += batch) {
        const slice = ids.slice(start, start + batch);
        const orders = loadOrders(db, slice);
        const events = eventsByOrder(loadEvents(db, slice));
        const inputs: OrderBooksInput[] = orders.map((order) => {
          const own = events.get(order.id) ?? [];
          let asOfMs = Math.max(nowMs, toMs(order.created_at));
          for (const e of own) asOfMs = Math.max(asOfMs, toMs(e.at));
          for (const p of order.payments) asOfMs = Math.max(asOfMs, toMs(p.captured_at));
          return { order, events: own, settlement: settleOrder(ctx, order, own, isoUtc(asOfMs)) };
        });
        add(postOrderBooks(db, inputs, opts.now, setup));
      }
    }
    if (opts.transfers !== false) add(postTransferBooks(db, opts.now, setup));
  })();
  return run;
}
