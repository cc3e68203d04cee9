// An order's books as far as they do not depend on the store: the books' counterpart of
// settle-compute.ts. Pure, and loaded by both the settlement runner's thread and its worker
// (settle-worker.ts), so that the postings of orders settled for the first time, and of the
// periodic invoices a run issues, are computed where the engine runs, by the same function
// whether there is a worker or not. What depends on the store (numbers, ids, batches, invoices
// already issued, issues on record) stays with PostingWriter (posting-writer.ts).
import { ACCOUNT_NUMBER, type AccountRole } from '../domain/books-accounts.js';
import { accountingDate, fiscalYearOf, firstOpenDate, monthOf } from '../domain/books-calendar.js';
import { FxRateMissingError, convertBalanced, findRate } from '../domain/books-fx.js';
import { accountSet } from '../domain/daily-books.js';
import { itemMonth, monthSumKey, periodicTitle, storedItem, type StoredItem } from '../domain/periodic-invoices.js';
import {
  PostingError, draftEntries, draftItems, invoiceMovements, itemKind, orderMovements, type DraftEntry, type ItemDraft, type Movement, type OrderBooksInput,
} from '../domain/postings.js';
import { isoUtc } from '../domain/time.js';
import { zonedStartOfDayIso } from '../domain/time-zone.js';
import type { BooksSetup, EntryInsert } from '../store/books-repo.js';
import type { InvoiceRow } from '../store/invoice-repo.js';
import type { KeyMapping, KeyTable } from './movement-keys.js';

// ---- Dates, cached where thousands of entries share a few hundred days -------------------------

let lastNowMs = NaN;
let lastNowText = '';
/**
 * A cache of values per pair of strings, looked up one string at a time: a key joined from both
 * was a new string to hash on every call, a million calls a run; each part is mostly a string
 * already hashed (a zone, a fiscal year end, a date shared by the day's entries).
 */
function pairCache(compute: (a: string, b: string) => string) {
  const byA = new Map<string, Map<string, string>>();
  let size = 0;
  return (a: string, b: string): string => {
    let byB = byA.get(a);
    if (byB === undefined) byA.set(a, (byB = new Map()));
    let v = byB.get(b);
    if (v === undefined) {
      if (++size > 100_000) { byA.clear(); size = 1; byA.set(a, (byB = new Map())); }
      byB.set(b, (v = compute(a, b)));
    }
    return v;
  };
}

const dayStart = pairCache((zone, date) => zonedStartOfDayIso(date, zone));
/** The validation time: now, or the start of the entry's day (in its book's zone) when the clock is behind it. */
export function validAt(now: Date, date: string, zone: string): string {
  if (now.getTime() !== lastNowMs) { lastNowMs = now.getTime(); lastNowText = isoUtc(now.getTime()); }
  const day = dayStart(zone, date);
  return lastNowText < day ? day : lastNowText;
}

// An instant's date is not cached: instants are mostly distinct (one per event), and a map of
// their keys cost four times what computing the date costs (zone offsets are cached).
export const dateOf = accountingDate;

const fiscalYears = pairCache((fye, date) => fiscalYearOf(date, fye).name);
export const fiscalYearName = (date: string, fye: string): string => fiscalYears(fye, date);

// ---- From a draft to the rows of an entity's books ---------------------------------------------

export interface Prepared {
  draft: DraftEntry;
  insert: Omit<EntryInsert, 'piece_ref' | 'piece_date' | 'invoice_id'>;
  daily: boolean;
}

/** Turns a draft into book amounts, dates and accounts; throws FxRateMissingError / PostingError. */
export function prepareEntry(setup: BooksSetup, d: DraftEntry, now: Date, batchable: boolean): Prepared {
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
    // Orders' and periodic invoices' movements follow the entity's granularity (decision 0020);
    // transfers keep an entry each.
    daily: batchable && setup.granularity(d.entity, monthOf(date)) === 'daily',
    insert: {
      entity: d.entity, journal: d.journal, fiscal_year: fiscalYearName(date, ent.fiscal_year_end), entry_date: date, event_at: d.eventAt,
      shifted, adjustment: d.adjustment, valid_at: validAt(now, date, zone), label, source_key: d.event,
      order_id: d.order, transfer_id: d.transfer, currency: ent.currency, orig_currency: d.currency, fx_rate: fx?.rate ?? null, fx_date: fx?.date ?? null,
      lines,
    },
  };
}

/** An event that cannot be posted, as PostingWriter records it. */
export interface EventFailure {
  code: string;
  message: string;
  event: string;
  order: string | null;
  transfer: string | null;
  /** The entities of the event's drafts. */
  entities: string[];
  eventAt: string;
}

/** Prepares drafts, leaving out every event that cannot be posted (returned as failures). `batchable`: daily books may take them. */
export function prepareDrafts(setup: BooksSetup, drafts: readonly DraftEntry[], now: Date, batchable: boolean): { prepared: Prepared[]; failures: EventFailure[]; failed: Set<string> } {
  const prepared: Prepared[] = [];
  const failures: EventFailure[] = [];
  const failed = new Set<string>();
  for (const d of drafts) {
    if (failed.has(d.event)) continue;
    try {
      prepared.push(prepareEntry(setup, d, now, batchable));
    } catch (e) {
      if (!(e instanceof FxRateMissingError) && !(e instanceof PostingError)) throw e;
      failed.add(d.event);
      failures.push({ code: e.code, message: `${d.event}: ${e.message}`, event: d.event, order: d.order, transfer: d.transfer,
        entities: drafts.filter((x) => x.event === d.event).map((x) => x.entity), eventAt: d.eventAt });
    }
  }
  return { prepared: failed.size > 0 ? prepared.filter((p) => !failed.has(p.draft.event)) : prepared, failures, failed };
}

// ---- Daily books' movements, ready for the subledger ------------------------------------------

/**
 * Daily movements as the subledger writer takes them (subledger-repo.ts `dailyWriter`), with
 * what does not depend on ids built beforehand, as one flat run of values (the settlement
 * worker hands them over: a structured clone of a few long arrays costs a quarter of as many
 * small objects'). Per movement: the number of its batch's key (entity, journal, date, account
 * set, NUL separated) in the computing thread's KeyTable (movement-keys.ts), its book currency,
 * its event, the JSON of its subledger element (the movement and its lines) with a raw NUL where
 * the batch id goes (JSON text never holds one), its number of lines n, then per line the number
 * of the key of its batch line's sums after the batch id (role, account, aux or '', original
 * currency, NUL separated), its amount and its original amount.
 */
export type ReadyMovements = (string | number)[];
/** Values of a movement before its lines, and per line. */
export const MOVEMENT_HEAD = 5;
export const SUM_STRIDE = 3;

/** The events of ready movements, in order. */
export function movementEvents(v: ReadyMovements): string[] {
  const out: string[] = [];
  for (let i = 0; i < v.length; i += MOVEMENT_HEAD + SUM_STRIDE * (v[i + 4] as number)) out.push(v[i + 2] as string);
  return out;
}

/** Renumbers the keys of movements computed by another thread (`mapping`: its numbers to this thread's), in place. */
function mapMovements(v: ReadyMovements, mapping: KeyMapping): void {
  for (let i = 0; i < v.length;) {
    v[i] = mapping.of(v[i] as number);
    const end = i + MOVEMENT_HEAD + SUM_STRIDE * (v[i + 4] as number);
    for (let j = i + MOVEMENT_HEAD; j < end; j += SUM_STRIDE) v[j] = mapping.of(v[j] as number);
    i = end;
  }
}

/** Appends a prepared entry to `out` as a daily movement of the subledger, its keys numbered in `keys`. */
export function pushPrepared(out: ReadyMovements, p: Prepared, keys: KeyTable): void {
  const { entity, journal, entry_date: date, currency, orig_currency: origCurrency, label, lines } = p.insert;
  const { event, eventAt } = p.draft;
  // The subledger's format 2 (subledger-repo.ts `StoredMovement`): the movement once, then its lines.
  const accounts: string[] = [];
  const stored: unknown[][] = [];
  for (const l of lines) {
    accounts.push(l.account);
    stored.push([l.fact, l.role, l.account, l.aux, l.debit - l.credit, l.amount_orig, origCurrency]);
  }
  const json = stored.length === 0 ? '' : `[\u0000,${JSON.stringify([entity, event, journal, eventAt, label, stored]).slice(1)}`;
  out.push(keys.ofParts(false, entity, journal, date, accountSet(accounts)), currency, event, json, lines.length);
  for (const l of lines) out.push(keys.ofParts(true, l.role, l.account, l.aux ?? '', origCurrency), l.debit - l.credit, l.amount_orig);
}

/** A prepared entry as a detailed entry of an order's books (its piece dated by its book's zone). */
export function preparedEntry(setup: BooksSetup, p: Prepared, invoiceId: number | null): EntryInsert {
  const d = p.draft;
  return { ...p.insert, piece_ref: d.piece.ref, piece_date: dateOf(d.eventAt, setup.entities.get(d.entity)!.time_zone), invoice_id: invoiceId };
}

/**
 * The month whose invoice carries a leg (periodic-invoices.ts `itemMonth`): that of its event in
 * the supplier's zone, moved past the supplier's closed months and past months already issued
 * (`issued`: their keys, supplier|customer|currency|month, asked for once, when first needed).
 */
export type LegMonth = (supplier: string, customer: string, currency: string, at: string) => string;

export function legMonth(setup: BooksSetup, now: Date, issued: () => ReadonlySet<string>): LegMonth {
  let done: ReadonlySet<string> | null = null;
  const current = new Map<string, string>(); // the current month per time zone: a run places a million legs
  return (supplierId, customer, currency, at) => {
    const supplier = setup.entities.get(supplierId);
    if (!supplier) throw new PostingError('unknown_entity', `entity ${supplierId} is not in the network`);
    const zone = supplier.time_zone;
    let currentMonth = current.get(zone);
    if (currentMonth === undefined) current.set(zone, (currentMonth = monthOf(dateOf(isoUtc(now.getTime()), zone))));
    const months = (done ??= issued());
    return itemMonth(monthOf(dateOf(at, zone)), setup.closedMonths(supplierId),
      months.size === 0 ? () => false : (m) => months.has(`${supplierId}|${customer}|${currency}|${m}`), currentMonth);
  };
}

/**
 * Walks an order's legs to invoice in order, each with the month whose invoice carries it, the
 * key of its month sum, and the month it credits when it returns a leg whose invoice this walk
 * placed (a return in the same posting credits that month's invoice), else null.
 */
export function placeLegs(drafts: readonly ItemDraft[], month: LegMonth, visit: (d: ItemDraft, month: string, sumKey: string, credits: string | null) => void): void {
  const carried = new Map<string, string>();
  for (const d of drafts) {
    const m = month(d.supplier, d.customer, d.currency, d.at);
    const kind = itemKind(d.amount, d.vat);
    const leg = `${d.line}|${d.fact}|${d.supplier}|${d.customer}`;
    if (kind === 'invoice') carried.set(leg, m);
    visit(d, m, monthSumKey({ supplier: d.supplier, customer: d.customer, currency: d.currency, month: m, kind, group: d.group, rate: d.rate }),
      kind === 'credit_note' ? carried.get(leg) ?? null : null);
  }
}

/**
 * Legs to invoice of an order settled for the first time, ready to write: the JSON of its stored
 * items (periodic-invoices.ts `StoredItem`, each in the month whose invoice will carry it), what
 * each adds to its month sum, ITEM_SUM_STRIDE values per leg (the number of the sum's key in the
 * computing thread's KeyTable, base, net, VAT), and the credit notes' references, two values
 * each (the sum's key number, `period:YYYY-MM`): a return credits the month that carries the
 * same leg's invoice in this posting. Nothing was invoiced before, so nothing else is corrected.
 */
export interface ReadyItems { json: string; sums: number[]; refs: (number | string)[] }
export const ITEM_SUM_STRIDE = 4;

function readyItems(drafts: readonly ItemDraft[], month: LegMonth, keys: KeyTable): ReadyItems | null {
  if (drafts.length === 0) return null;
  const stored: StoredItem[] = [];
  const sums: number[] = [];
  const refs: (number | string)[] = [];
  placeLegs(drafts, month, (d, m, sumKey, credits) => {
    if (d.corrects.length > 0) throw new Error(`${d.event}: a first posting corrects nothing`);
    const key = keys.id(sumKey);
    stored.push(storedItem(d, m));
    sums.push(key, d.base, d.amount, d.vat);
    if (credits !== null) refs.push(key, `period:${credits}`);
  });
  return { json: JSON.stringify(stored), sums, refs };
}

/** Renumbers the sums' keys of ready items computed by another thread, in place. */
function mapItems(v: ReadyItems, mapping: KeyMapping): void {
  for (let i = 0; i < v.sums.length; i += ITEM_SUM_STRIDE) v.sums[i] = mapping.of(v.sums[i]!);
  for (let i = 0; i < v.refs.length; i += 2) v.refs[i] = mapping.of(v.refs[i] as number);
}

/** Renumbers the keys of books computed by another thread (`mapping`: its numbers to this thread's), in place. */
export function mapBooks(books: OrderBooks, mapping: KeyMapping): void {
  if (books.movements.length > 0) mapMovements(books.movements, mapping);
  if (books.items) mapItems(books.items, mapping);
}

// ---- An order settled for the first time ----------------------------------------------------

/**
 * The books of an order (or of a periodic invoice, `invoiceBooks`) with nothing posted yet, ready
 * to number and write: as data, failures included, so that the worker can hand them over and the
 * runner's thread record them as postOrderBooks records its own.
 */
export interface OrderBooks {
  /** Nothing of the order can be posted (a PostingError of the order as a whole), else null. */
  error: { code: string; message: string; entities: string[] } | null;
  /** Events that cannot be posted, in draft order. */
  failures: EventFailure[];
  /** Detailed entries, in draft order. */
  entries: EntryInsert[];
  /** Daily movements, in draft order. */
  movements: ReadyMovements;
  /** How many. */
  daily: number;
  /** Legs to invoice whose event is in the books, if any. */
  items: ReadyItems | null;
}

/** Prepared entries as books: detailed entries (of invoice `invoiceId`, if any) and daily movements, in order. */
function booksOf(setup: BooksSetup, prepared: readonly Prepared[], invoiceId: number | null, keys: KeyTable): { entries: EntryInsert[]; movements: ReadyMovements; daily: number } {
  const entries: EntryInsert[] = [];
  const movements: ReadyMovements = [];
  let daily = 0;
  for (const p of prepared) {
    if (p.daily) { pushPrepared(movements, p, keys); daily++; } else entries.push(preparedEntry(setup, p, invoiceId));
  }
  return { entries, movements, daily };
}

/**
 * The books of an order settled for the first time (nothing posted, nothing invoiced), its
 * movements' and month sums' keys numbered in `keys`, its legs placed in their months by `month`.
 */
export function firstOrderBooks(setup: BooksSetup, input: OrderBooksInput, now: Date, keys: KeyTable, month: LegMonth): OrderBooks {
  let drafts: DraftEntry[];
  let items: ItemDraft[];
  try {
    const targets = orderMovements(input);
    drafts = draftEntries(targets.movements, [], targets.adjustAt);
    items = draftItems(targets.legs, [], targets.adjustAt);
  } catch (e) {
    if (!(e instanceof PostingError)) throw e;
    return { error: { code: e.code, message: e.message, entities: Object.keys(input.settlement.payouts) }, failures: [], entries: [], movements: [], daily: 0, items: null };
  }
  const { prepared, failures, failed } = prepareDrafts(setup, drafts, now, true);
  const books = booksOf(setup, prepared, null, keys);
  return { error: null, failures, ...books, items: readyItems(failed.size > 0 ? items.filter((d) => !failed.has(d.event)) : items, month, keys) };
}

// ---- A periodic invoice with no books yet --------------------------------------------------

/** What posting an invoice's books reads of it: an invoice just issued, or one read back (`unpostedInvoices`). */
export type InvoiceToPost = Pick<InvoiceRow, 'id' | 'number' | 'kind' | 'supplier' | 'customer' | 'currency' | 'net' | 'vat' | 'issue_date' | 'period'>;

/**
 * The drafts of an invoice's entries: nothing is posted for it yet, and its movements (one per
 * entity and journal, all at its issue date) are its entries, in their order, as `draftEntries`
 * would give them without grouping and sorting; it does so when two movements would share an entry.
 */
function invoiceDrafts(targets: readonly Movement[], date: string): DraftEntry[] {
  const out: DraftEntry[] = [];
  const seen = new Set<string>();
  for (const m of targets) {
    const key = `${m.entity}\u0000${m.journal}`;
    if (seen.has(key) || m.event !== targets[0]!.event || m.at !== targets[0]!.at) return draftEntries(targets, [], date);
    seen.add(key);
    out.push({ entity: m.entity, event: m.event, journal: m.journal, piece: m.piece, at: m.at, eventAt: m.at, adjustment: false, label: m.label,
      currency: m.currency, order: m.order, transfer: m.transfer, lines: m.lines.map((l) => ({ fact: m.fact, role: l.role, aux: l.aux, amount: l.amount })) });
  }
  return out;
}

/**
 * The books of a periodic invoice (books-finish.ts): an entry per movement in detailed books,
 * subledger movements in daily books (decision 0020). Computed as the invoices are issued, on
 * the settlement worker when the run has one.
 */
export function invoiceBooks(setup: BooksSetup, inv: InvoiceToPost, now: Date, keys: KeyTable): OrderBooks {
  const targets = invoiceMovements({ id: inv.id, number: inv.number, kind: inv.kind, supplier: inv.supplier, customer: inv.customer, currency: inv.currency,
    net: inv.net, vat: inv.vat, date: inv.issue_date, title: periodicTitle(inv.period!) }, setup.platform);
  const { prepared, failures } = prepareDrafts(setup, invoiceDrafts(targets, inv.issue_date), now, true);
  return { error: null, failures, ...booksOf(setup, prepared, inv.id, keys), items: null };
}
