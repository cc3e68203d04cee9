// Inbound feeds from the commerce platform, the OMS and the POS, all imported through the
// `scenario.import` operation (the same validation as `ventil import`, idempotent):
//
// - a watched folder (the inbox): `*.json` files in the ventil.scenario/1 format, and `*.csv`
//   files in the ventil.orders-csv/1 format (docs/feeds.md). An accepted file moves to `done/`;
//   a refused one to `rejected/`, next to `<name>.errors.json` saying why. Writers should write
//   to a temporary name (`.tmp`, `.part`, or a leading dot) and rename; files younger than
//   `settleMs` are left for the next pass in case they are still being written.
// - an HTTP pull with a cursor: GET URL?cursor=C returns `{ items, next_cursor }`; each page is
//   imported and the cursor advanced in ONE transaction (sync_state `feed.pull.<name>`), so a
//   crash never loses or skips a page, and a page that fails stays where it is until fixed.
//
// A feed file or page may leave out the network: the stored one is used. Events about orders
// imported earlier are not a scenario (a scenario's events concern its own orders); they go
// through the `events.submit` operation (the same checks as `ventil events`), in the same
// transaction as the batch's orders.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { callApi, handlers } from '../api/index.js';
import type { ApiContext } from '../api/handler.js';
import type { ErrorValue } from '../api/errors.js';
import { NetworkSchema, SCENARIO_FORMAT } from '../domain/scenario.js';
import { loadNetwork } from '../store/scenario-repo.js';
import { CsvError, parseCsvObjects } from './csv.js';
import { readState, writeState, type OutboxIssue } from './outbox.js';

export class FeedError extends Error {
  constructor(readonly code: string, message: string, readonly issues?: OutboxIssue[]) { super(message); this.name = 'FeedError'; }
}

export interface Batch {
  network?: unknown;
  rules?: unknown[];
  orders: unknown[];
  events: unknown[];
}

export interface BatchOutcome { changed: boolean; summary: unknown; laterEvents: number }

/** The stored network in the ventil.scenario/1 shape (settings that are not network fields left out). */
export function storedNetwork(ctx: ApiContext): Record<string, unknown> {
  const n = loadNetwork(ctx.db) as unknown as Record<string, unknown>;
  if (!Array.isArray(n.entities) || n.entities.length === 0 || n.platform_entity === undefined) {
    throw new FeedError('no_network', 'no network is stored yet; the first feed file must be a full ventil.scenario/1 with its network');
  }
  const keys = new Set(Object.keys(NetworkSchema.shape));
  return Object.fromEntries(Object.entries(n).filter(([k, v]) => keys.has(k) && v !== null && v !== undefined));
}

function fail(e: ErrorValue): never {
  throw new FeedError(e.code, e.message, e.issues);
}

/**
 * Imports one batch in one transaction: the orders, their events and the network through
 * `scenario.import`; events about orders stored earlier through `events.submit`.
 */
export function importBatch(ctx: ApiContext, batch: Batch, source: string): BatchOutcome {
  return ctx.db.transaction(() => {
    const inBatch = new Set(batch.orders.map((o) => (o as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string'));
    const own = batch.events.filter((e) => inBatch.has((e as { order?: unknown })?.order as string));
    const later = batch.events.filter((e) => !inBatch.has((e as { order?: unknown })?.order as string));
    let changed = false;
    let summary: unknown = null;
    if (batch.network !== undefined || batch.orders.length > 0 || (batch.rules?.length ?? 0) > 0) {
      const scenario = {
        format: SCENARIO_FORMAT,
        network: batch.network ?? storedNetwork(ctx),
        rules: batch.rules ?? [],
        orders: batch.orders,
        events: own,
      };
      const r = callApi(ctx, 'scenario.import', { scenario, source });
      if (!r.ok) fail(r.error);
      changed = (r.value as { changed: boolean }).changed;
      summary = (r.value as { summary: unknown }).summary;
    }
    if (later.length > 0) {
      if (!Object.hasOwn(handlers, 'events.submit')) {
        throw new FeedError('unsupported_feed', `${later.length} event(s) concern orders that are not in this batch, and this build has no events.submit operation to take them`,
          later.slice(0, 50).map((e) => ({ path: `events[${batch.events.indexOf(e)}].order`, code: 'order_not_in_batch', message: `order ${JSON.stringify((e as { order?: unknown })?.order)} is not in this batch` })));
      }
      const r = callApi(ctx, 'events.submit', { events: later, source: source.startsWith('pull:') ? 'api' : 'file' });
      if (!r.ok) fail(r.error);
      changed = changed || ((r.value as { added?: number })?.added ?? 1) > 0;
    }
    return { changed, summary, laterEvents: later.length };
  }).immediate();
}

// ---- ventil.orders-csv/1 -------------------------------------------------------------------

/** Columns of the orders CSV (docs/feeds.md); `record` says which ones a row uses. */
export const ORDERS_CSV_COLUMNS = [
  'record', 'order', 'channel', 'origin', 'customer_postcode', 'created_at', 'currency', 'discount',
  'line', 'sku', 'category', 'kind', 'quantity', 'unit_price', 'vat_rate', 'delivery_mode', 'candidates', 'pickup_location',
  'payment', 'method', 'amount', 'psp_fee', 'captured_at',
  'event_id', 'type', 'at', 'location', 'reason',
] as const;

const INT_COLUMNS = new Set(['discount', 'quantity', 'unit_price', 'amount', 'psp_fee']);
const RECORD_COLUMNS: Record<string, readonly string[]> = {
  order: ['order', 'channel', 'origin', 'customer_postcode', 'created_at', 'currency', 'discount'],
  line: ['order', 'line', 'sku', 'category', 'kind', 'quantity', 'unit_price', 'discount', 'vat_rate', 'delivery_mode', 'candidates', 'pickup_location'],
  payment: ['order', 'payment', 'method', 'amount', 'psp_fee', 'captured_at'],
  event: ['order', 'line', 'event_id', 'type', 'at', 'location', 'reason', 'quantity'],
};

export interface CsvBatch { batch: Batch; lineOf: Map<string, number> }

/**
 * Turns an orders CSV into a batch: one `order` row per order, then any number of `line`,
 * `payment` and `event` rows naming it (in any order). Integers are parsed; empty cells are
 * absent fields; `candidates` is a list separated by `|`. Validation proper is scenario.import's;
 * here only the CSV's own shape is checked. `lineOf` maps scenario paths to CSV lines.
 */
export function parseOrdersCsv(text: string): CsvBatch {
  let parsed: ReturnType<typeof parseCsvObjects>;
  try {
    parsed = parseCsvObjects(text);
  } catch (e) {
    if (e instanceof CsvError) throw new FeedError('invalid_csv', e.message, [{ path: `line ${e.line}`, code: 'invalid_csv', message: e.message }]);
    throw e;
  }
  const issues: OutboxIssue[] = [];
  for (const h of parsed.header) {
    if (!(ORDERS_CSV_COLUMNS as readonly string[]).includes(h)) issues.push({ path: `header.${h}`, code: 'unknown_column', message: `unknown column ${JSON.stringify(h)}` });
  }
  if (!parsed.header.includes('record')) issues.push({ path: 'header.record', code: 'missing_column', message: 'the record column is required' });
  if (issues.length) throw new FeedError('invalid_csv', `the CSV header has ${issues.length} problem(s)`, issues);

  const orders: Record<string, any>[] = [];
  const byId = new Map<string, Record<string, any>>();
  const pending: { kind: string; line: number; row: Record<string, any> }[] = [];
  const events: Record<string, any>[] = [];
  const lineOf = new Map<string, number>();
  for (const rec of parsed.records) {
    const kind = rec.values.record?.trim();
    const allowed = RECORD_COLUMNS[kind];
    if (!allowed) { issues.push({ path: `line ${rec.line}.record`, code: 'unknown_record', message: `record must be order, line, payment or event, not ${JSON.stringify(kind)}` }); continue; }
    const row: Record<string, any> = {};
    for (const [col, raw] of Object.entries(rec.values)) {
      const v = raw.trim();
      if (col === 'record' || v === '') continue;
      if (!allowed.includes(col)) { issues.push({ path: `line ${rec.line}.${col}`, code: 'unexpected_field', message: `a ${kind} row has no ${col}` }); continue; }
      if (INT_COLUMNS.has(col)) {
        if (!/^-?\d+$/.test(v)) { issues.push({ path: `line ${rec.line}.${col}`, code: 'not_an_integer', message: `${col} must be an integer number of minor units (or units), not ${JSON.stringify(v)}` }); continue; }
        row[col] = Number(v);
      } else if (col === 'candidates') row[col] = v.split('|').map((s) => s.trim()).filter(Boolean);
      else row[col] = v;
    }
    if (!row.order) { issues.push({ path: `line ${rec.line}.order`, code: 'missing_field', message: 'every row names its order' }); continue; }
    if (kind === 'order') {
      if (byId.has(row.order)) { issues.push({ path: `line ${rec.line}.order`, code: 'duplicate_id', message: `order ${row.order} has two order rows` }); continue; }
      const { order: id, ...rest } = row;
      const o = { id, ...rest, lines: [], payments: [] };
      lineOf.set(`orders[${orders.length}]`, rec.line);
      orders.push(o);
      byId.set(id, o);
    } else if (kind === 'event') {
      const { event_id, ...rest } = row;
      lineOf.set(`events[${events.length}]`, rec.line);
      events.push({ ...(event_id ? { id: event_id } : {}), ...rest });
    } else pending.push({ kind, line: rec.line, row });
  }
  for (const p of pending) {
    const o = byId.get(p.row.order);
    if (!o) { issues.push({ path: `line ${p.line}.order`, code: 'unknown_order', message: `no order row for ${p.row.order} in this file` }); continue; }
    const { order: _o, ...rest } = p.row;
    const oi = orders.indexOf(o);
    if (p.kind === 'line') {
      const { line, ...fields } = rest;
      lineOf.set(`orders[${oi}].lines[${o.lines.length}]`, p.line);
      o.lines.push({ id: line, ...fields });
    } else {
      const { payment, ...fields } = rest;
      lineOf.set(`orders[${oi}].payments[${o.payments.length}]`, p.line);
      o.payments.push({ id: payment, ...fields });
    }
  }
  if (issues.length) throw new FeedError('invalid_csv', `the CSV has ${issues.length} problem(s)`, issues);
  return { batch: { orders, events }, lineOf };
}

/** Adds the CSV line to each issue whose path falls in a row (longest matching prefix). */
function withCsvLines(issues: readonly OutboxIssue[] | undefined, lineOf: Map<string, number>): (OutboxIssue & { csv_line?: number })[] | undefined {
  if (!issues) return undefined;
  return issues.map((i) => {
    let best: number | undefined;
    let bestLen = -1;
    for (const [prefix, line] of lineOf) {
      if ((i.path === prefix || i.path.startsWith(`${prefix}.`) || i.path.startsWith(`${prefix}[`)) && prefix.length > bestLen) { best = line; bestLen = prefix.length; }
    }
    return best === undefined ? i : { ...i, csv_line: best };
  });
}

// ---- The watched folder -------------------------------------------------------------------

export interface InboxFileResult {
  file: string;
  status: 'accepted' | 'rejected' | 'waiting';
  changed?: boolean;
  error?: ErrorValue;
}

const TEMP = /(^\.)|(\.(tmp|part|partial|crdownload|swp)$)|(\.errors\.json$)/i;

/**
 * Imports every finished `*.json` and `*.csv` file of the inbox folder, oldest name first.
 * Files whose import changes nothing (already imported) are accepted too: a crash between the
 * import and the move only means the next pass moves them.
 */
export function processInbox(ctx: ApiContext, dir: string, opts: { settleMs?: number; now?: () => Date } = {}): InboxFileResult[] {
  const now = opts.now ?? (() => new Date());
  const settleMs = opts.settleMs ?? 2_000;
  mkdirSync(join(dir, 'done'), { recursive: true });
  mkdirSync(join(dir, 'rejected'), { recursive: true });
  const results: InboxFileResult[] = [];
  const names = readdirSync(dir).filter((n) => !TEMP.test(n) && ['.json', '.csv'].includes(extname(n).toLowerCase())).sort();
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try { st = statSync(path); } catch { continue; }
    if (!st.isFile()) continue;
    if (now().getTime() - st.mtimeMs < settleMs) { results.push({ file: name, status: 'waiting' }); continue; }
    const source = `feed:${name}`;
    let lineOf = new Map<string, number>();
    try {
      const text = readFileSync(path, 'utf8');
      let batch: Batch;
      if (extname(name).toLowerCase() === '.csv') {
        ({ batch, lineOf } = parseOrdersCsv(text));
      } else {
        let json: unknown;
        try { json = JSON.parse(text); } catch (e) { throw new FeedError('invalid_json', `${name} is not valid JSON: ${(e as Error).message}`); }
        if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new FeedError('invalid_scenario', 'a feed file holds one ventil.scenario/1 object');
        const o = json as Record<string, unknown>;
        if (o.format !== SCENARIO_FORMAT) throw new FeedError('invalid_scenario', o.format === undefined ? `the format is missing: write "format": "${SCENARIO_FORMAT}"` : `unknown format ${JSON.stringify(o.format)}; expected ${SCENARIO_FORMAT}`);
        const known = new Set(['format', 'network', 'rules', 'orders', 'events']);
        const extra = Object.keys(o).filter((k) => !known.has(k));
        if (extra.length) throw new FeedError('invalid_scenario', `unknown field(s) ${extra.join(', ')}`, extra.map((k) => ({ path: k, code: 'unknown_field', message: `unknown field "${k}"` })));
        batch = {
          network: o.network,
          rules: Array.isArray(o.rules) ? o.rules : o.rules === undefined ? undefined : (o.rules as unknown[]),
          orders: Array.isArray(o.orders) ? o.orders : [],
          events: Array.isArray(o.events) ? o.events : [],
        };
        if ((o.orders !== undefined && !Array.isArray(o.orders)) || (o.events !== undefined && !Array.isArray(o.events))) {
          throw new FeedError('invalid_scenario', 'orders and events must be lists');
        }
      }
      const outcome = importBatch(ctx, batch, source);
      moveTo(dir, 'done', name);
      results.push({ file: name, status: 'accepted', changed: outcome.changed });
    } catch (e) {
      const err = e as { code?: string; message?: string; issues?: OutboxIssue[] };
      const error: ErrorValue = { code: typeof err.code === 'string' ? err.code : 'internal', message: err.message ?? String(e) };
      const issues = withCsvLines(err.issues, lineOf);
      if (issues) error.issues = issues;
      // The report first, then the move: a crash in between leaves the file to be refused again.
      writeFileSync(join(dir, 'rejected', `${name}.errors.json`), `${JSON.stringify({ file: name, at: now().toISOString(), ok: false, error }, null, 2)}\n`);
      moveTo(dir, 'rejected', name);
      results.push({ file: name, status: 'rejected', error });
    }
  }
  return results;
}

function moveTo(dir: string, sub: string, name: string): void {
  let target = join(dir, sub, name);
  if (existsSync(target)) {
    const ext = extname(name);
    target = join(dir, sub, `${basename(name, ext)}.${Date.now()}${ext}`);
  }
  renameSync(join(dir, name), target);
}

// ---- HTTP pull with a cursor ---------------------------------------------------------------

export interface PullState { cursor: string | null; pages: number; items: number; last_page_at: string | null; last_error: ErrorValue | null; last_error_at: string | null }

export interface PullResult { pages: number; items: number; cursor: string | null; error: ErrorValue | null; offline: boolean }

const pullKey = (name: string) => `feed.pull.${name}`;

export function readPullState(ctx: ApiContext, name: string): PullState {
  return readState<PullState>(ctx.db, pullKey(name)) ?? { cursor: null, pages: 0, items: 0, last_page_at: null, last_error: null, last_error_at: null };
}

/**
 * Pulls pages from `url` until it has nothing new (empty page, no next cursor) or `maxPages`.
 * Items are `{ "order": {...} }` or `{ "event": {...} }` (docs/feeds.md). A page is imported and
 * its cursor stored in one transaction; a page that fails is recorded and retried next time.
 */
export async function pullFeed(ctx: ApiContext, opts: {
  name: string; url: string; fetchImpl?: typeof fetch; headers?: Record<string, string>; maxPages?: number; timeoutMs?: number; now?: () => Date;
}): Promise<PullResult> {
  const now = opts.now ?? ctx.now;
  const doFetch = opts.fetchImpl ?? fetch;
  const result: PullResult = { pages: 0, items: 0, cursor: readPullState(ctx, opts.name).cursor, error: null, offline: false };
  const recordError = (error: ErrorValue) => {
    result.error = error;
    const st = readPullState(ctx, opts.name);
    writeState(ctx.db, pullKey(opts.name), { ...st, last_error: error, last_error_at: now().toISOString() }, now());
  };
  for (let page = 0; page < (opts.maxPages ?? 50); page++) {
    const state = readPullState(ctx, opts.name);
    const u = new URL(opts.url);
    if (state.cursor !== null) u.searchParams.set('cursor', state.cursor);
    let body: unknown;
    try {
      const res = await doFetch(u, { headers: { Accept: 'application/json', ...(opts.headers ?? {}) }, signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
      if (!res.ok) { recordError({ code: 'feed_http_error', message: `GET ${u.origin}${u.pathname} answered ${res.status}` }); break; }
      body = await res.json();
    } catch (e) {
      result.offline = true;
      recordError({ code: 'feed_unreachable', message: `cannot reach ${u.origin}: ${(e as Error).message}` });
      break;
    }
    const b = body as { items?: unknown; next_cursor?: unknown };
    if (!b || !Array.isArray(b.items) || (b.next_cursor !== null && b.next_cursor !== undefined && typeof b.next_cursor !== 'string')) {
      recordError({ code: 'invalid_feed_page', message: 'a feed page is { "items": [...], "next_cursor": string | null }' });
      break;
    }
    const items = b.items as unknown[];
    const next = (b.next_cursor ?? null) as string | null;
    if (items.length === 0) {
      if (next !== null && next !== state.cursor) {
        writeState(ctx.db, pullKey(opts.name), { ...state, cursor: next, last_error: null }, now());
        result.cursor = next;
        continue;
      }
      break;
    }
    const batch: Batch = { orders: [], events: [] };
    const bad: OutboxIssue[] = [];
    items.forEach((it, i) => {
      const x = it as { order?: unknown; event?: unknown };
      if (x && typeof x === 'object' && x.order !== undefined && x.event === undefined) batch.orders.push(x.order);
      else if (x && typeof x === 'object' && x.event !== undefined && x.order === undefined) batch.events.push(x.event);
      else bad.push({ path: `items[${i}]`, code: 'invalid_item', message: 'an item is { "order": {...} } or { "event": {...} }' });
    });
    if (bad.length) { recordError({ code: 'invalid_feed_page', message: `${bad.length} item(s) are neither an order nor an event`, issues: bad }); break; }
    try {
      ctx.db.transaction(() => {
        importBatch(ctx, batch, `pull:${opts.name}`);
        writeState(ctx.db, pullKey(opts.name), {
          cursor: next ?? state.cursor, pages: state.pages + 1, items: state.items + items.length, last_page_at: now().toISOString(), last_error: null, last_error_at: null,
        } satisfies PullState, now());
      }).immediate();
    } catch (e) {
      const err = e as { code?: string; message?: string; issues?: OutboxIssue[] };
      recordError({ code: typeof err.code === 'string' ? err.code : 'internal', message: err.message ?? String(e), ...(err.issues ? { issues: err.issues } : {}) });
      break;
    }
    result.pages++;
    result.items += items.length;
    result.cursor = next ?? state.cursor;
    if (next === null || next === state.cursor) break;
  }
  return result;
}
