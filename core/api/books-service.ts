// The operations on an entity's books that the API, the command line and the ERP adapters share:
// resolving an entity and a period, reading entries for export, the trial balance, the FEC, CSV
// and hledger files (each checked before it is handed out: nothing partial, nothing invalid), the
// closing of periods, and the ERP batch of a closed month.
import { createHash } from 'node:crypto';
import { ACCOUNT_NUMBER, ACCOUNT_ROLES, JOURNALS, accountLabel, type Chart, type JournalCode } from '../domain/books-accounts.js';
import { accountingDate, fiscalYearOf, monthsOf, parsePeriod, PeriodError, type Period } from '../domain/books-calendar.js';
import { accountName, renderCsv, renderLedger, trialBalance, type TrialBalance } from '../domain/books-export.js';
import { checkFec, encodeLatin9, entryNumber, fecFileName, renderFec, type ExportEntry } from '../domain/fec.js';
import { currencyExponent } from '../domain/money.js';
import {
  accountTotals, balancesUntil, type BalanceRow, closedPeriods, entryDateRange, entryWriter, getBookEntity, hasOpeningEntry, insertClosedPeriod, insertErpBatch, iterateLines, listBookEntities,
  listPostingIssues, loadChart, type BookEntity,
} from '../store/books-repo.js';
import { listInvoices, pendingTotals } from '../store/invoice-repo.js';
import { openingLines } from '../domain/opening-entries.js';
import { isoUtc } from '../domain/time.js';
import { nextDate, zonedStartOfDay, zonedStartOfDayIso } from '../domain/time-zone.js';
import { currentAuditAnchor } from '../store/audit-repo.js';
import type { Db } from '../store/db.js';
import { enqueue, getOutboxRowByKey } from '../sync/outbox.js';
import { networkSetting, transfersWithCall } from '../store/release-repo.js';
import { ApiError, type Issue } from './errors.js';

export function requireEntity(db: Db, id: string): BookEntity {
  const e = getBookEntity(db, id);
  if (!e) throw new ApiError('unknown_entity', `no entity ${JSON.stringify(id)}`, [{ path: 'entity', code: 'unknown_entity', message: `no entity ${JSON.stringify(id)}` }]);
  return e;
}

export function resolvePeriod(entity: BookEntity, name: string): Period {
  try {
    return parsePeriod(name, entity.fiscal_year_end);
  } catch (e) {
    if (e instanceof PeriodError) throw new ApiError('invalid_period', e.message, [{ path: 'period', code: 'invalid_period', message: e.message }]);
    throw e;
  }
}

/** Refuses a chart whose mapping names an account the entity does not have. */
export function assertChart(entity: string, chart: Chart): void {
  const issues = ACCOUNT_ROLES.filter((r) => !chart.accounts.has(chart.mapping[r]) || !ACCOUNT_NUMBER.test(chart.mapping[r]))
    .map((r) => ({ path: `mapping.${r}`, code: 'unknown_account', message: `${r} is mapped to ${chart.mapping[r]}, which is not in the chart of ${entity}` }));
  if (issues.length) throw new ApiError('unknown_account', `the account mapping of ${entity} names accounts that do not exist`, issues);
}

// ---- Periods ------------------------------------------------------------------------------

export interface PeriodStatus { name: string; kind: 'year' | 'month'; start: string; end: string; closed: boolean; closed_at: string | null }

/**
 * The fiscal years touched by entries (and the current one), each with its months;
 * `last_entry_date`: the latest entry's date (the Books view opens on that month).
 */
export function listPeriods(db: Db, entity: BookEntity, now: Date): { fiscal_year_end: string; last_entry_date: string | null; years: (PeriodStatus & { months: PeriodStatus[] })[] } {
  const closed = new Map(closedPeriods(db, entity.id).map((c) => [c.period, c]));
  const range = entryDateRange(db, entity.id);
  const today = accountingDate(now.toISOString(), entity.time_zone);
  const first = Number(fiscalYearOf(range.lo ?? today, entity.fiscal_year_end).name);
  const last = Number(fiscalYearOf(range.hi && range.hi > today ? range.hi : today, entity.fiscal_year_end).name);
  const status = (p: Period): PeriodStatus => ({ name: p.name, kind: p.kind, start: p.start, end: p.end, closed: closed.has(p.name), closed_at: closed.get(p.name)?.closed_at ?? null });
  const years = [];
  for (let y = first; y <= last; y++) {
    const fy = parsePeriod(String(y), entity.fiscal_year_end);
    years.push({ ...status(fy), months: monthsOf(fy).map((m) => status(parsePeriod(m, entity.fiscal_year_end))) });
  }
  return { fiscal_year_end: entity.fiscal_year_end, last_entry_date: range.hi, years };
}

export interface CloseResult { entity: string; period: string; closed: string[]; erp_batches: string[]; opening_entry: string | null }

/** One reason a period cannot be closed yet: an issue, with what the view needs to name it in the user's language. */
export interface ClosingReason extends Issue {
  code: 'fx_rate_missing' | 'unposted_event' | 'invoice_not_issued' | 'invoice_not_sent' | 'transfer_not_sent';
  /** What the reason is about: the event, the invoice, the transfer (ids, amounts in minor units). */
  subject: {
    event?: string; order?: string | null; detail?: string;
    invoice?: string; kind?: 'invoice' | 'credit_note'; supplier?: string; customer?: string; month?: string;
    transfer?: string; run?: string; entity?: string; amount?: number; currency?: string; status?: string | null;
  };
}

/** Outbox states in which a transfer's call has not reached the PSP yet (`cancelled` was settled by a person). */
const UNSENT_CALL = new Set(['pending', 'in_flight', 'failed', 'dead']);

/**
 * Why a period cannot be closed yet, every reason listed: events of the entity up to the period's
 * end not in the books (a missing exchange rate named as such), periodic invoices of its months
 * not issued or not sent, and transfers of release runs within the period that the PSP has not
 * received (a bank movement in the books with no money moved). (The closing runs the posting
 * catch-up first: transfers, the invoices due, and the daily entries of days that are over.)
 */
export function closingObstacles(db: Db, entity: BookEntity, period: Period): ClosingReason[] {
  const out: ClosingReason[] = [];
  for (const i of listPostingIssues(db)) {
    if (!(JSON.parse(i.entities_json) as string[]).includes(entity.id)) continue;
    if (i.event_at !== null && accountingDate(i.event_at, entity.time_zone) > period.end) continue;
    const subject = { event: i.event, order: i.order_id, detail: i.message };
    out.push(i.code === 'fx_rate_missing'
      ? { path: `events.${i.event}`, code: 'fx_rate_missing', message: `${i.message} (add the rate, then post: ventil post)`, subject }
      : { path: `events.${i.event}`, code: 'unposted_event', message: `not in the books: ${i.message}`, subject });
  }
  const months = new Set(monthsOf(period));
  const due = new Map<string, ClosingReason['subject']>();
  for (const t of pendingTotals(db)) {
    if (!months.has(t.month) || (t.supplier !== entity.id && t.customer !== entity.id)) continue;
    const kind = t.kind === 'invoice' ? 'invoice' : 'credit_note';
    due.set(`${kind} ${t.supplier} ${t.customer} ${t.currency} ${t.month}`, { kind, supplier: t.supplier, customer: t.customer, currency: t.currency, month: t.month });
  }
  for (const d of due.values()) {
    const what = `${d.kind === 'invoice' ? 'invoice' : 'credit note'} ${d.supplier} → ${d.customer} ${d.currency} ${d.month}`;
    out.push({ path: 'invoices', code: 'invoice_not_issued', message: `periodic ${what} not issued yet (issued by the next posting run once the month is over: ventil post)`, subject: d });
  }
  for (const inv of listInvoices(db, { entities: [entity.id], from: period.start, to: period.end, unsent: true }).rows) {
    if (inv.period === null) continue;
    out.push({ path: `invoices.${inv.number}`, code: 'invoice_not_sent', message: `${inv.kind === 'invoice' ? 'invoice' : 'credit note'} ${inv.number} (${inv.supplier} → ${inv.customer}, ${inv.period}) is not sent (invoices.send, or ventil invoices --send)`,
      subject: { invoice: inv.number, kind: inv.kind, supplier: inv.supplier, customer: inv.customer, month: inv.period, currency: inv.currency, amount: inv.total } });
  }
  for (const t of unsentTransfers(db, entity, period)) {
    out.push({ path: `transfers.${t.id}`, code: 'transfer_not_sent', message: `transfer ${t.id} of run ${t.run_id} to ${t.entity} (${t.amount} ${t.currency} minor units) has not reached the PSP (${t.status ?? 'no call'}): retry or cancel it in the outbox (sync.outbox.retry / cancel)`,
      subject: { transfer: t.id, run: t.run_id, entity: t.entity, amount: t.amount, currency: t.currency, status: t.status } });
  }
  return out;
}

/** Transfers dated within the period, to the entity (or any, for the platform that pays them), whose call the PSP has not received. */
function unsentTransfers(db: Db, entity: BookEntity, period: Period) {
  const from = zonedStartOfDayIso(period.start, entity.time_zone);
  const to = zonedStartOfDayIso(nextDate(period.end), entity.time_zone);
  const all = entity.id === networkSetting<string>(db, 'platform_entity', '');
  return transfersWithCall(db, { from, to, entity: all ? null : entity.id }).filter((r) => r.status === null || UNSENT_CALL.has(r.status));
}

/**
 * Closes a month or a fiscal year (with each of its months). Final: a closed period accepts no
 * entry; later events are posted on the first day of the next open period. Each newly closed month
 * of an entity with an `erp_code` gets its ERP batch, enqueued in the same transaction.
 */
export function closePeriod(db: Db, entityId: string, periodName: string, now: Date, actor: string): CloseResult {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, periodName);
  const today = accountingDate(now.toISOString(), entity.time_zone);
  if (period.end >= today) {
    throw new ApiError('period_not_ended', `${entityId} ${period.name} ends on ${period.end}; a period closes once it is over`, [{ path: 'period', code: 'period_not_ended', message: `ends on ${period.end}` }]);
  }
  const already = new Set(closedPeriods(db, entityId).map((c) => c.period));
  if (already.has(period.name)) {
    throw new ApiError('period_closed', `${entityId} ${period.name} is already closed`, [{ path: 'period', code: 'period_closed', message: 'already closed' }]);
  }
  const obstacles = closingObstacles(db, entity, period);
  if (obstacles.length > 0) {
    throw new ApiError('period_not_closable', `${entityId} ${period.name} cannot be closed: ${obstacles.length} reason(s), every one listed; nothing was closed`,
      obstacles.map(({ path, code, message }) => ({ path, code, message })));
  }
  const at = now.toISOString();
  const closedNow: string[] = [];
  const months = monthsOf(period);
  for (const m of months) {
    if (already.has(m)) continue;
    const p = parsePeriod(m, entity.fiscal_year_end);
    insertClosedPeriod(db, { entity: entityId, period: m, kind: 'month', start_date: p.start, end_date: p.end, closed_at: at, closed_by: actor });
    closedNow.push(m);
  }
  if (period.kind === 'year') {
    insertClosedPeriod(db, { entity: entityId, period: period.name, kind: 'year', start_date: period.start, end_date: period.end, closed_at: at, closed_by: actor });
    closedNow.push(period.name);
  }
  const batches: string[] = [];
  if (entity.erp_code) {
    for (const m of closedNow.filter((p) => p.length === 7)) batches.push(enqueueErpBatch(db, entity, m, now));
  }
  // The next fiscal year opens with this one's balance-sheet balances (its à-nouveaux).
  const opening = period.kind === 'year' ? postOpeningEntry(db, entity, period, now) : null;
  return { entity: entityId, period: period.name, closed: closedNow, erp_batches: batches, opening_entry: opening };
}

/**
 * Posts the à-nouveaux entry (journal AN) of the fiscal year after `closed`: its balance-sheet
 * balances, and its result on 120000 or 129000, dated the next year's first day. Returns its
 * number, or null when the closed year left nothing to carry forward.
 */
export function postOpeningEntry(db: Db, entity: BookEntity, closed: Period, now: Date): string | null {
  const next = fiscalYearOf(nextDate(closed.end), entity.fiscal_year_end);
  if (hasOpeningEntry(db, entity.id, next.name)) return null;
  const lines = openingLines(balancesUntil(db, entity.id, closed.end), closed.name);
  if (lines.length === 0) return null;
  const label = `À-nouveaux ${next.name} (exercice ${closed.name} clos)`;
  const validAt = isoUtc(Math.max(now.getTime(), zonedStartOfDay(next.start, entity.time_zone)));
  const { number } = entryWriter(db).insert({
    entity: entity.id, journal: 'AN', fiscal_year: next.name, entry_date: next.start, event_at: zonedStartOfDayIso(next.start, entity.time_zone),
    shifted: false, adjustment: false, valid_at: validAt, label, piece_ref: `AN-${next.name}`, piece_date: next.start, source_key: `an:${next.name}`,
    order_id: null, transfer_id: null, invoice_id: null, currency: entity.currency, orig_currency: entity.currency, fx_rate: null, fx_date: null,
    lines: lines.map((l) => ({ fact: 'opening', role: l.role, account: l.account, aux: l.aux, debit: l.amount > 0 ? l.amount : 0, credit: l.amount < 0 ? -l.amount : 0,
      label: l.label, amount_orig: l.amount })),
  });
  return entryNumber('AN', next.name, number);
}

// ---- Entries for export -------------------------------------------------------------------

/** An entity's entries dated within a period, in validation order, ready to render. */
export function exportEntries(db: Db, entity: BookEntity, from: string, to: string): ExportEntry[] {
  const chart = loadChart(db, entity.id);
  const names = new Map(listBookEntities(db).map((e) => [e.id, e.name]));
  const out: ExportEntry[] = [];
  let current: ExportEntry | null = null;
  let currentId = -1;
  for (const r of iterateLines(db, { entity: entity.id, from, to })) {
    if (r.entry_id !== currentId) {
      currentId = r.entry_id;
      current = {
        entity: r.entity, journal: r.journal, journalLabel: JOURNALS[r.journal as JournalCode] ?? r.journal, number: entryNumber(r.journal, r.fiscal_year, r.number),
        date: r.entry_date, validDate: accountingDate(r.valid_at, entity.time_zone), label: r.label, pieceRef: r.piece_ref, pieceDate: r.piece_date, currency: r.currency,
        sourceKey: r.source_key, order: r.order_id, lines: [],
      };
      out.push(current);
    }
    current!.lines.push({
      account: r.account, accountLabel: accountLabel(chart, r.account), aux: r.aux, auxLabel: r.aux ? (names.get(r.aux) ?? r.aux) : null,
      debit: r.debit, credit: r.credit, label: (r as unknown as { line_label: string }).line_label, origAmount: r.amount_orig, origCurrency: r.orig_currency,
    });
  }
  // À-nouveaux open the file: they carry the balances the period starts from (written when the
  // previous year was closed, so after the first entries of this one).
  return [...out.filter((e) => e.journal === 'AN'), ...out.filter((e) => e.journal !== 'AN')];
}

export interface ExportFile {
  format: 'fec' | 'csv' | 'ledger';
  entity: string;
  period: string;
  name: string;
  mime: string;
  encoding: 'ISO-8859-15' | 'UTF-8';
  /** The file as text, and its bytes in `encoding`, base64 (what to save). */
  content: string;
  base64: string;
  entries: number;
  lines: number;
}

function file(format: ExportFile['format'], entity: BookEntity, period: Period, name: string, mime: string, content: string, entries: ExportEntry[], latin9 = false): ExportFile {
  const bytes = latin9 ? encodeLatin9(content) : new TextEncoder().encode(content);
  return {
    format, entity: entity.id, period: period.name, name, mime, encoding: latin9 ? 'ISO-8859-15' : 'UTF-8', content,
    base64: Buffer.from(bytes).toString('base64'), entries: entries.length, lines: entries.reduce((n, e) => n + e.lines.length, 0),
  };
}

function isClosed(db: Db, entity: string, period: string): boolean {
  return closedPeriods(db, entity).some((c) => c.period === period);
}

/**
 * The FEC of an entity for a period. For a fiscal year the year must be closed
 * (`fiscal_year_not_closed`): the FEC is the file of a closed year, and an open year still takes
 * entries. A month is an interim extract (for an ERP or an accountant), allowed at any time and
 * named after the month's last day. The file is checked against A47 A-1 before it is returned.
 */
export function fecExport(db: Db, entityId: string, periodName: string): ExportFile {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, periodName);
  assertChart(entity.id, loadChart(db, entity.id));
  if (period.kind === 'year' && !isClosed(db, entity.id, period.name)) {
    throw new ApiError('fiscal_year_not_closed', `the fiscal year ${period.name} of ${entity.id} (${period.start} to ${period.end}) is not closed; close it first (journal.periods.close), or export a month`,
      [{ path: 'period', code: 'fiscal_year_not_closed', message: 'close the fiscal year before exporting its FEC' }]);
  }
  const entries = exportEntries(db, entity, period.start, period.end);
  const content = renderFec(entries);
  const check = checkFec(content, { start: period.start, end: period.end, exponent: currencyExponent(entity.currency), sequential: period.kind === 'year' });
  if (!check.ok) throw new ApiError('fec_invalid', `the FEC of ${entity.id} ${period.name} fails ${check.issues.length} check(s); nothing was exported`, check.issues.map((i) => ({ path: `line ${i.line}`, code: i.code, message: i.message })));
  return file('fec', entity, period, fecFileName(entity.siren, period.end), 'text/plain; charset=iso-8859-15', content, entries, true);
}

export function csvExport(db: Db, entityId: string, periodName: string): ExportFile {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, periodName);
  assertChart(entity.id, loadChart(db, entity.id));
  const entries = exportEntries(db, entity, period.start, period.end);
  return file('csv', entity, period, `${entity.id}_journal_${period.name}.csv`, 'text/csv; charset=utf-8', renderCsv(entries), entries);
}

export function ledgerExport(db: Db, entityId: string, periodName: string): ExportFile {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, periodName);
  const chart = loadChart(db, entity.id);
  assertChart(entity.id, chart);
  const entries = exportEntries(db, entity, period.start, period.end);
  const names = new Map<string, string>();
  for (const e of entries) for (const l of e.lines) names.set(accountName(l.account, l.aux), l.aux ? `${l.accountLabel} - ${l.auxLabel}` : l.accountLabel);
  const accounts = [...names].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, label]) => ({ name, label }));
  const content = renderLedger(entries, { title: `Ventil: ${entity.id} ${entity.name}, période ${period.name} (${period.start} au ${period.end})`, currency: entity.currency, accounts });
  return file('ledger', entity, period, `${entity.id}_${period.name}.journal`, 'text/plain; charset=utf-8', content, entries);
}

/** Opening balances, movements and closing balances per account over a period. */
export function trialBalanceOf(db: Db, entityId: string, periodName?: string): TrialBalance & { entity: string; currency: string; period: Period | null } {
  const entity = requireEntity(db, entityId);
  const period = periodName === undefined ? null : resolvePeriod(entity, periodName);
  const chart = loadChart(db, entity.id);
  const names = new Map(listBookEntities(db).map((e) => [e.id, e.name]));
  // The opening: the year's à-nouveaux and the year's entries before the period, once the previous
  // year is closed; every earlier entry until then (à-nouveaux restate them: never both).
  let before: BalanceRow[] = [];
  if (period) {
    const fy = fiscalYearOf(period.start, entity.fiscal_year_end);
    const an = accountTotals(db, entity.id, fy.start, fy.start, true);
    before = an.length > 0 ? [...an, ...(period.start > fy.start ? accountTotals(db, entity.id, fy.start, prevDay(period.start)) : [])] : accountTotals(db, entity.id, undefined, prevDay(period.start));
  }
  const during = period ? accountTotals(db, entity.id, period.start, period.end) : accountTotals(db, entity.id);
  const tb = trialBalance(before, during, (a, aux) => (aux ? `${accountLabel(chart, a)} - ${names.get(aux) ?? aux}` : accountLabel(chart, a)));
  return { entity: entity.id, currency: entity.currency, period, ...tb };
}

function prevDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

// ---- ERP batches --------------------------------------------------------------------------

export const ERP_BATCH_FORMAT = 'ventil.erp-batch/1';

export interface ErpBatch {
  format: typeof ERP_BATCH_FORMAT;
  entity: { id: string; name: string; siren: string; erp_code: string | null; currency: string };
  period: { name: string; start: string; end: string };
  entries: {
    journal: string; journal_label: string; number: string; date: string; valid_date: string; label: string; piece_ref: string; piece_date: string;
    event: string; order: string | null;
    lines: { account: string; account_label: string; aux: string | null; aux_label: string | null; debit: number; credit: number; label: string; orig_amount: number; orig_currency: string }[];
  }[];
  totals: { entries: number; lines: number; debit: number; credit: number };
}

/** The batch of an entity's closed month: every entry dated in it, as the ERP receives it. */
export function buildErpBatch(db: Db, entityId: string, month: string): { batch: ErpBatch; digest: string; fec: string; csv: string } {
  const entity = requireEntity(db, entityId);
  const period = resolvePeriod(entity, month);
  const entries = exportEntries(db, entity, period.start, period.end);
  let debit = 0;
  let credit = 0;
  let lines = 0;
  const batch: ErpBatch = {
    format: ERP_BATCH_FORMAT,
    entity: { id: entity.id, name: entity.name, siren: entity.siren, erp_code: entity.erp_code, currency: entity.currency },
    period: { name: period.name, start: period.start, end: period.end },
    entries: entries.map((e) => ({
      journal: e.journal, journal_label: e.journalLabel, number: e.number, date: e.date, valid_date: e.validDate, label: e.label, piece_ref: e.pieceRef,
      piece_date: e.pieceDate, event: e.sourceKey, order: e.order,
      lines: e.lines.map((l) => {
        debit += l.debit;
        credit += l.credit;
        lines++;
        return { account: l.account, account_label: l.accountLabel, aux: l.aux, aux_label: l.auxLabel, debit: l.debit, credit: l.credit, label: l.label, orig_amount: l.origAmount, orig_currency: l.origCurrency };
      }),
    })),
    totals: { entries: entries.length, lines: 0, debit: 0, credit: 0 },
  };
  batch.totals = { entries: entries.length, lines, debit, credit };
  // The digest covers the postings, not the labels of the chart, which an entity may rename.
  const digest = createHash('sha256').update(JSON.stringify(batch.entries.map((e) => [e.journal, e.number, e.date, e.lines.map((l) => [l.account, l.aux, l.debit, l.credit, l.orig_amount])]))).digest('hex');
  return { batch, digest, fec: renderFec(entries), csv: renderCsv(entries) };
}

export const erpBatchKey = (entity: string, month: string) => `ventil.erp:${entity}:${month}`;

/** Records and enqueues the ERP batch of a closed month (idempotent by its key). */
export function enqueueErpBatch(db: Db, entity: BookEntity, month: string, now: Date): string {
  const key = erpBatchKey(entity.id, month);
  // Queued already: the same batch, with the audit anchor of its first queueing (a payload never changes).
  if (getOutboxRowByKey(db, key)) return key;
  const { batch, digest } = buildErpBatch(db, entity.id, month);
  insertErpBatch(db, {
    entity: entity.id, period: month, idempotency_key: key, entries: batch.totals.entries, lines: batch.totals.lines, debit: batch.totals.debit,
    credit: batch.totals.credit, digest, created_at: now.toISOString(),
  });
  enqueue(db, {
    kind: 'erp.push', idempotencyKey: key, now,
    // The audit trail's head goes with the batch, so the ERP holds an anchor outside this database.
    payload: { entity: entity.id, period: month, format: ERP_BATCH_FORMAT, erp_code: entity.erp_code, currency: entity.currency, digest, ...batch.totals, audit_anchor: currentAuditAnchor(db) },
  });
  return key;
}

