// A Stripe-shaped HTTP server on 127.0.0.1 for tests: just enough of /v1/transfers,
// /v1/transfers/:id/reversals, /v1/refunds, /v1/payouts, /v1/payment_intents/:id/capture,
// /v1/balance and /v1/balance_transactions for the official SDK to talk to it, with Stripe's
// idempotency rules (same key and same parameters: the saved response again; same key with other
// parameters: 400 idempotency_error; same key while the first request still runs: 409), and
// faults on demand: 500 before applying, 429 with Retry-After, hanging (before or after applying),
// resetting the connection before or after applying, and Stripe's `Stripe-Should-Retry` header
// (a 500 Stripe says not to retry, a 400 it says to retry). Transfers and payouts draw on the
// platform's available balance and are refused `balance_insufficient` beyond it (`fund` adds). It also records Stripe-shaped events and
// can deliver them as signed webhooks, duplicated and out of order.
//
// Everything is bounded: requests logged, keys remembered, hang time, and the server's own
// lifetime (it closes itself after `lifetimeMs`, default 2 minutes).
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { mulberry32 } from '../../core/demo/random.js';

export type FaultName = 'none' | '500' | '429' | 'hang_before' | 'hang_after' | 'reset_before' | 'reset_after' | 'should_retry_false' | 'should_retry_true';

export interface FaultRates {
  error500?: number;
  rateLimit429?: number;
  hangBefore?: number;
  hangAfter?: number;
  resetBefore?: number;
  resetAfter?: number;
  /** Retry-After (seconds) sent with 429s. */
  retryAfterSec?: number;
}

export interface FakeStripeOptions {
  seed?: number;
  faults?: FaultRates;
  /** The server closes itself after this long (default 120 s). */
  lifetimeMs?: number;
  /** Requests answered before the server refuses more (default 20 000). */
  maxRequests?: number;
  /** How long a hung request is held before its socket is destroyed (default 5 s). */
  hangMs?: number;
  /** Starting available balance of the platform, per lower-case currency. */
  balance?: Record<string, number>;
  /** Payments the fake knows, to refuse over-refunds: id → amount and currency. */
  payments?: Record<string, { amount: number; currency: string }>;
  /** Called right after a call is applied, before its response is written. */
  onApplied?: (info: { path: string; key: string | null; object: Record<string, any> }) => void;
  /** Called when a call is held open (a hang fault), before or after it was applied. */
  onHold?: (info: { path: string; key: string | null; applied: boolean }) => void;
}

export interface AppliedCall { key: string | null; path: string; object: Record<string, any> }

interface Saved { fingerprint: string; status: number; body: unknown; done: boolean }

type Obj = Record<string, any>;


/** Parses Stripe's form encoding (`metadata[a]=b`, `expand[0]=x`, `created[gte]=1`) into objects. */
export function parseForm(text: string): Obj {
  const out: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.split(/\[|\]\[|\]/).filter((p) => p !== '');
    let node = out;
    parts.forEach((p, i) => {
      if (i === parts.length - 1) node[p] = value;
      else node = node[p] ??= {};
    });
  }
  return out;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Obj)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const stripeError = (type: string, message: string, extra: Obj = {}) => ({ error: { type, message, ...extra } });
const insufficientFunds = () => stripeError('invalid_request_error',
  'You have insufficient available funds in your Stripe account. Try adding funds directly to your available balance by creating Charges using the 4000000000000077 test card.',
  { code: 'balance_insufficient' });

export class FakeStripe {
  readonly transfers = new Map<string, Obj>();
  readonly reversals = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly payouts = new Map<string, Obj>();
  readonly captures = new Map<string, Obj>();
  readonly balanceTransactions: Obj[] = [];
  readonly events: Obj[] = [];
  /** Every call applied, in order (one per object created). */
  readonly applied: AppliedCall[] = [];
  readonly requests: { method: string; path: string; key: string | null; fault: FaultName; status: number | null }[] = [];
  readonly faultCounts: Record<FaultName, number> = { none: 0, '500': 0, '429': 0, hang_before: 0, hang_after: 0, reset_before: 0, reset_after: 0, should_retry_false: 0, should_retry_true: 0 };
  url = '';
  port = 0;
  closed = false;

  private server: Server;
  private sockets = new Set<Socket>();
  private saved = new Map<string, Saved>();
  private script: FaultName[] = [];
  private rates: FaultRates;
  private rand: () => number;
  private seq = 0;
  private lifetime: NodeJS.Timeout | null = null;
  private readonly opts: Required<Pick<FakeStripeOptions, 'lifetimeMs' | 'maxRequests' | 'hangMs'>> & FakeStripeOptions;
  private balance: Record<string, number>;

  constructor(opts: FakeStripeOptions = {}) {
    this.opts = { lifetimeMs: 120_000, maxRequests: 20_000, hangMs: 5_000, ...opts };
    this.rates = { ...(opts.faults ?? {}) };
    this.rand = mulberry32(opts.seed ?? 1);
    this.balance = { ...(opts.balance ?? { eur: 100_000_000 }) };
    this.server = createServer((req, res) => { void this.handle(req, res); });
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  static async start(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
    const f = new FakeStripe(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    const addr = f.server.address() as { port: number };
    f.port = addr.port;
    f.url = `http://127.0.0.1:${addr.port}`;
    f.lifetime = setTimeout(() => { void f.close(); }, f.opts.lifetimeMs);
    f.lifetime.unref();
    return f;
  }

  /** The next POSTs get these faults, in order, before the random rates apply again. */
  scriptFaults(...faults: FaultName[]): void { this.script.push(...faults); }
  /** Adds funds to the platform's available balance (lower-case currency). */
  fund(currency: string, amount: number): void { this.balance[currency] = (this.balance[currency] ?? 0) + amount; }
  available(currency: string): number { return this.balance[currency] ?? 0; }
  setFaults(rates: FaultRates): void { this.rates = { ...rates }; }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.lifetime) clearTimeout(this.lifetime);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Transfers created per idempotency key found in their metadata (a double apply shows as 2). */
  transfersByKey(): Map<string, Obj[]> {
    const m = new Map<string, Obj[]>();
    for (const t of this.transfers.values()) {
      const k = t.metadata?.ventil_key ?? '';
      m.set(k, [...(m.get(k) ?? []), t]);
    }
    return m;
  }

  // ---- request handling ------------------------------------------------------------------

  private pickFault(method: string): FaultName {
    if (method !== 'POST') return 'none';
    const scripted = this.script.shift();
    if (scripted) return scripted;
    const r = this.rates;
    const x = this.rand();
    let acc = 0;
    for (const [name, p] of [['500', r.error500], ['429', r.rateLimit429], ['hang_before', r.hangBefore], ['hang_after', r.hangAfter],
      ['reset_before', r.resetBefore], ['reset_after', r.resetAfter]] as [FaultName, number | undefined][]) {
      acc += p ?? 0;
      if (x < acc) return name;
    }
    return 'none';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const body = await new Promise<string>((resolve) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { if (text.length < 1_000_000) text += c; });
      req.on('end', () => resolve(text));
      req.on('error', () => resolve(text));
    });
    const entry = { method, path: url.pathname, key, fault: 'none' as FaultName, status: null as number | null };
    if (this.requests.length < this.opts.maxRequests) this.requests.push(entry);
    else return this.send(res, 503, stripeError('api_error', 'fake: request budget exhausted'), entry);
    if (!String(req.headers.authorization ?? '').startsWith('Bearer sk_')) {
      return this.send(res, 401, stripeError('invalid_request_error', 'Invalid API Key provided'), entry);
    }
    const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(body);
    const fault = this.pickFault(method);
    entry.fault = fault;
    this.faultCounts[fault]++;
    if (fault === 'reset_before') { req.socket.destroy(); return; }
    if (fault === '500') return this.send(res, 500, stripeError('api_error', 'fake: something went wrong'), entry, { 'Stripe-Should-Retry': 'true' });
    if (fault === 'should_retry_false') return this.send(res, 500, stripeError('api_error', 'fake: failed, and retrying will not help'), entry, { 'Stripe-Should-Retry': 'false' });
    if (fault === 'should_retry_true') return this.send(res, 400, stripeError('invalid_request_error', 'fake: a lock could not be taken', { code: 'lock_timeout' }), entry, { 'Stripe-Should-Retry': 'true' });
    if (fault === '429') {
      return this.send(res, 429, stripeError('invalid_request_error', 'fake: too many requests', { code: 'rate_limit' }), entry,
        { 'Retry-After': String(this.rates.retryAfterSec ?? 1) });
    }
    if (fault === 'hang_before') return this.hang(req, url.pathname, key, false);

    if (method === 'POST' && key) {
      const fingerprint = `${method} ${url.pathname} ${canonical(params)}`;
      const seen = this.saved.get(key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          return this.send(res, 400, stripeError('idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`), entry);
        }
        if (!seen.done) return this.send(res, 409, stripeError('invalid_request_error', 'fake: a request with this key is in progress', { code: 'idempotency_key_in_use' }), entry);
        return this.send(res, seen.status, seen.body, entry, { 'Idempotent-Replayed': 'true' });
      }
      const slot: Saved = { fingerprint, status: 0, body: null, done: false };
      if (this.saved.size < 50_000) this.saved.set(key, slot);
      const [status, out] = this.route(method, url.pathname, params, key);
      slot.status = status;
      slot.body = out;
      slot.done = true;
      if (status < 300) this.opts.onApplied?.({ path: url.pathname, key, object: out as Obj });
      if (fault === 'hang_after') return this.hang(req, url.pathname, key, status < 300);
      if (fault === 'reset_after') { req.socket.destroy(); return; }
      return this.send(res, status, out, entry);
    }
    const [status, out] = this.route(method, url.pathname, params, key);
    if (method === 'POST' && status < 300) this.opts.onApplied?.({ path: url.pathname, key, object: out as Obj });
    if (fault === 'hang_after') return this.hang(req, url.pathname, key, method === 'POST' && status < 300);
    if (fault === 'reset_after') { req.socket.destroy(); return; }
    return this.send(res, status, out, entry);
  }

  private hang(req: IncomingMessage, path: string, key: string | null, applied: boolean): void {
    const t = setTimeout(() => req.socket.destroy(), this.opts.hangMs);
    t.unref();
    req.socket.on('close', () => clearTimeout(t));
    this.opts.onHold?.({ path, key, applied });
  }

  private send(res: ServerResponse, status: number, body: unknown, entry: { status: number | null }, headers: Record<string, string> = {}): void {
    entry.status = status;
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': `req_fake_${++this.seq}`, ...headers });
    res.end(text);
  }

  private id(prefix: string): string {
    return `${prefix}_fake${String(++this.seq).padStart(8, '0')}`;
  }

  private now(): number { return Math.floor(Date.now() / 1000); }

  private event(type: string, object: Obj): void {
    if (this.events.length >= 10_000) return;
    this.events.push({ id: this.id('evt'), object: 'event', type, created: this.now(), api_version: '2025-01-01', livemode: false, data: { object: structuredClone(object) } });
  }

  private bt(type: string, amount: number, currency: string, source: string): void {
    if (this.balanceTransactions.length >= 50_000) return;
    this.balanceTransactions.push({ id: this.id('txn'), object: 'balance_transaction', amount, fee: 0, net: amount, currency, created: this.now(), type, reporting_category: type, source, status: 'available' });
    this.balance[currency] = (this.balance[currency] ?? 0) + amount;
  }

  private route(method: string, path: string, p: Obj, key: string | null): [number, unknown] {
    const m = (re: RegExp) => re.exec(path);
    let r: RegExpExecArray | null;
    const amountOf = (v: unknown) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN);
    const metaCheck = (meta: Obj | undefined): string | null => {
      if (!meta) return null;
      const keys = Object.keys(meta);
      if (keys.length > 50) return 'Metadata can have at most 50 keys';
      for (const k of keys) {
        if (k.length > 40) return `Metadata key ${k} is longer than 40 characters`;
        if (String(meta[k]).length > 500) return `Metadata value for ${k} is longer than 500 characters`;
      }
      return null;
    };

    if (method === 'POST' && path === '/v1/transfers') {
      const amount = amountOf(p.amount);
      if (!(amount > 0)) return [400, stripeError('invalid_request_error', 'Invalid positive integer', { param: 'amount' })];
      if (!/^[a-z]{3}$/.test(p.currency ?? '')) return [400, stripeError('invalid_request_error', 'Invalid currency', { param: 'currency' })];
      if (!String(p.destination ?? '').startsWith('acct_')) return [400, stripeError('invalid_request_error', `No such destination: '${p.destination}'`, { code: 'resource_missing', param: 'destination' })];
      const bad = metaCheck(p.metadata);
      if (bad) return [400, stripeError('invalid_request_error', bad, { param: 'metadata' })];
      if (amount > this.available(p.currency)) return [400, insufficientFunds()];
      const t: Obj = {
        id: this.id('tr'), object: 'transfer', amount, amount_reversed: 0, currency: p.currency, created: this.now(), description: p.description ?? null,
        destination: p.destination, livemode: false, metadata: p.metadata ?? {}, reversals: { object: 'list', data: [], has_more: false, url: '' },
        reversed: false, source_transaction: null, transfer_group: p.transfer_group ?? null, balance_transaction: null,
      };
      this.transfers.set(t.id, t);
      this.applied.push({ key, path, object: t });
      this.bt('transfer', -amount, t.currency, t.id);
      this.event('transfer.created', t);
      return [200, t];
    }
    if (method === 'GET' && path === '/v1/transfers') {
      return [200, this.list([...this.transfers.values()].filter((t) => !p.transfer_group || t.transfer_group === p.transfer_group), p, path)];
    }
    if ((r = m(/^\/v1\/transfers\/([^/]+)$/)) && method === 'GET') {
      const t = this.transfers.get(r[1]);
      return t ? [200, t] : [404, stripeError('invalid_request_error', `No such transfer: '${r[1]}'`, { code: 'resource_missing' })];
    }
    if ((r = m(/^\/v1\/transfers\/([^/]+)\/reversals$/))) {
      const t = this.transfers.get(r[1]);
      if (!t) return [404, stripeError('invalid_request_error', `No such transfer: '${r[1]}'`, { code: 'resource_missing' })];
      if (method === 'GET') return [200, this.list([...this.reversals.values()].filter((x) => x.transfer === t.id), p, path)];
      const amount = p.amount === undefined ? t.amount - t.amount_reversed : amountOf(p.amount);
      if (!(amount > 0) || amount > t.amount - t.amount_reversed) {
        return [400, stripeError('invalid_request_error', `Transfer ${t.id} has ${t.amount - t.amount_reversed} left to reverse`, { param: 'amount' })];
      }
      const rev: Obj = { id: this.id('trr'), object: 'transfer_reversal', amount, currency: t.currency, created: this.now(), transfer: t.id, metadata: p.metadata ?? {}, destination_payment_refund: null, source_refund: null, balance_transaction: null };
      this.reversals.set(rev.id, rev);
      t.amount_reversed += amount;
      t.reversed = t.amount_reversed === t.amount;
      t.reversals.data.push(rev);
      this.applied.push({ key, path, object: rev });
      this.bt('transfer_reversal', amount, t.currency, rev.id);
      this.event('transfer.reversed', t);
      return [200, rev];
    }
    if (path === '/v1/refunds') {
      if (method === 'GET') {
        return [200, this.list([...this.refunds.values()].filter((x) => (!p.payment_intent || x.payment_intent === p.payment_intent) && (!p.charge || x.charge === p.charge)), p, path)];
      }
      const amount = amountOf(p.amount);
      const target = p.payment_intent ?? p.charge;
      if (!target) return [400, stripeError('invalid_request_error', 'One of charge or payment_intent is required')];
      if (!(amount > 0)) return [400, stripeError('invalid_request_error', 'Invalid positive integer', { param: 'amount' })];
      const known = this.opts.payments?.[target];
      const done = [...this.refunds.values()].filter((x) => (x.payment_intent ?? x.charge) === target).reduce((s, x) => s + x.amount, 0);
      if (known && done + amount > known.amount) {
        return [400, stripeError('invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${known.amount - done})`, { code: 'amount_too_large' })];
      }
      const currency = known?.currency ?? 'eur';
      const re: Obj = {
        id: this.id('re'), object: 'refund', amount, currency, created: this.now(), status: 'succeeded', metadata: p.metadata ?? {},
        payment_intent: p.payment_intent ?? null, charge: p.charge ?? null, reason: p.reason ?? null, balance_transaction: null,
      };
      this.refunds.set(re.id, re);
      this.applied.push({ key, path, object: re });
      this.bt('refund', -amount, currency, re.id);
      this.event('refund.created', re);
      return [200, re];
    }
    if (path === '/v1/payouts') {
      if (method === 'GET') return [200, this.list([...this.payouts.values()], p, path)];
      const amount = amountOf(p.amount);
      if (!(amount > 0)) return [400, stripeError('invalid_request_error', 'Invalid positive integer', { param: 'amount' })];
      if (amount > this.available(p.currency)) return [400, insufficientFunds()];
      const po: Obj = { id: this.id('po'), object: 'payout', amount, currency: p.currency, created: this.now(), status: 'pending', metadata: p.metadata ?? {}, description: p.description ?? null };
      this.payouts.set(po.id, po);
      this.applied.push({ key, path, object: po });
      this.bt('payout', -amount, po.currency, po.id);
      this.event('payout.created', po);
      return [200, po];
    }
    if ((r = m(/^\/v1\/payment_intents\/([^/]+)(\/capture)?$/))) {
      const id = r[1];
      const known = this.opts.payments?.[id];
      if (method === 'GET') {
        const c = this.captures.get(id);
        return [200, c ?? { id, object: 'payment_intent', amount: known?.amount ?? 0, amount_received: 0, currency: known?.currency ?? 'eur', status: 'requires_capture', created: this.now(), metadata: {} }];
      }
      if (this.captures.has(id)) return [400, stripeError('invalid_request_error', 'This PaymentIntent could not be captured because it has a status of succeeded.', { code: 'payment_intent_unexpected_state' })];
      const amount = p.amount_to_capture === undefined ? known?.amount ?? 0 : amountOf(p.amount_to_capture);
      const pi: Obj = { id, object: 'payment_intent', amount: known?.amount ?? amount, amount_received: amount, currency: known?.currency ?? 'eur', status: 'succeeded', created: this.now(), metadata: p.metadata ?? {} };
      this.captures.set(id, pi);
      this.applied.push({ key, path, object: pi });
      this.bt('charge', amount, pi.currency, id);
      this.event('payment_intent.succeeded', pi);
      return [200, pi];
    }
    if (method === 'GET' && path === '/v1/balance') {
      return [200, { object: 'balance', livemode: false, available: Object.entries(this.balance).map(([currency, amount]) => ({ currency, amount })), pending: [] }];
    }
    if (method === 'GET' && path === '/v1/balance_transactions') {
      const gte = p.created?.gte ? Number(p.created.gte) : -Infinity;
      const lt = p.created?.lt ? Number(p.created.lt) : Infinity;
      const expand = Object.values(p.expand ?? {}).includes('data.source');
      const rows = this.balanceTransactions.filter((b) => b.created >= gte && b.created < lt).map((b) => (expand ? { ...b, source: this.lookup(b.source) ?? b.source } : b));
      return [200, this.list(rows, p, path)];
    }
    if (method === 'GET' && path === '/v1/events') return [200, this.list(this.events, p, path)];
    return [404, stripeError('invalid_request_error', `Unrecognized request URL (${method}: ${path})`)];
  }

  private lookup(id: string): Obj | undefined {
    return this.transfers.get(id) ?? this.reversals.get(id) ?? this.refunds.get(id) ?? this.payouts.get(id) ?? this.captures.get(id);
  }

  private list(items: Obj[], p: Obj, url: string): Obj {
    const limit = Math.min(Math.max(Number(p.limit ?? 10) || 10, 1), 100);
    let start = 0;
    if (p.starting_after) start = items.findIndex((x) => x.id === p.starting_after) + 1;
    const data = items.slice(start, start + limit);
    return { object: 'list', data, has_more: start + limit < items.length, url };
  }

  // ---- events and webhooks ---------------------------------------------------------------

  /** Records an event of any type, e.g. a failure after a success (`payout.failed`). */
  emit(type: string, object: Obj): Obj {
    this.event(type, object);
    return this.events[this.events.length - 1];
  }

  /** Marks a payout failed after it was created (the bank returned it), with its event. */
  failPayout(id: string, code = 'account_closed'): Obj {
    const po = this.payouts.get(id);
    if (!po) throw new Error(`no payout ${id}`);
    po.status = 'failed';
    po.failure_code = code;
    return this.emit('payout.failed', po);
  }

  /**
   * Delivers events as signed webhooks, shuffled, some of them twice. Returns the HTTP status of
   * each delivery. Bounded: at most `max` deliveries, each with a 5 s timeout.
   */
  async deliverWebhooks(target: string, opts: { secret: string; events?: Obj[]; duplicateRate?: number; shuffle?: boolean; max?: number }): Promise<number[]> {
    const list = [...(opts.events ?? this.events)];
    for (const e of [...list]) if (this.rand() < (opts.duplicateRate ?? 0)) list.push(e);
    if (opts.shuffle ?? true) {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(this.rand() * (i + 1));
        [list[i], list[j]] = [list[j], list[i]];
      }
    }
    const statuses: number[] = [];
    for (const e of list.slice(0, opts.max ?? 1000)) {
      const payload = JSON.stringify(e);
      const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret });
      statuses.push(await post(target, payload, { 'Content-Type': 'application/json', 'Stripe-Signature': signature }));
    }
    return statuses;
  }
}

function post(target: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(target);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => { req.destroy(); resolve(0); });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
