// Shared set-up for the lifecycle, routing and release tests: the basic example network with
// extra orders, a context whose clock the test moves, principals of each role, and helpers to
// read results.
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import type { ApiContext } from '../../core/api/handler.js';
import type { Principal } from '../../core/api/principal.js';
import type { Db } from '../../core/store/db.js';
import { memoryDb, readExample } from './db.js';
import { mulberry32 } from '../../core/demo/random.js';

export type Json = Record<string, any>;

/** A context with a clock the test moves (`clock.set`). */
export function clocked(db: Db, start: string, principal?: Principal) {
  let now = new Date(start);
  const ctx = createContext(db, { now: () => now, ...(principal ? { principal } : {}) });
  return {
    ctx,
    set(t: string) { now = new Date(t); },
    get now() { return now; },
    as(p: Principal): ApiContext { return createContext(db, { now: () => now, principal: p }); },
  };
}

export const manager = (entity: string): Principal => ({ userId: `mgr-${entity.toLowerCase()}`, name: `${entity} manager`, role: 'store_manager', regions: [], entities: [entity] });
export const controller = (region: string): Principal => ({ userId: `ctl-${region.toLowerCase()}`, name: `${region} controller`, role: 'controller', regions: [region], entities: [] });
export const auditor: Principal = { userId: 'aud', name: 'Auditor', role: 'auditor', regions: [], entities: [] };
export const finance: Principal = { userId: 'fin', name: 'Finance', role: 'finance', regions: [], entities: [] };

export function ok<T = Json>(r: { ok: boolean; value?: unknown; error?: unknown }): T {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value as T;
}

export function err(r: { ok: boolean; value?: unknown; error?: unknown }): { code: string; message: string; issues?: { path: string; code: string; message: string }[] } {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value).slice(0, 500)}`);
  return r.error as never;
}

export const call = (ctx: ApiContext, name: string, input: unknown = {}) => callApi(ctx, name, input);

/** A web order shipped from store: one line, `candidates` in order, one payment. */
export function shipFromStore(id: string, createdAt: string, candidates: string[], opts: { quantity?: number; unitPrice?: number; fee?: number } = {}) {
  const quantity = opts.quantity ?? 2;
  const unit = opts.unitPrice ?? 5000;
  return {
    id, channel: 'web', origin: null, customer_postcode: '69002', created_at: createdAt, currency: 'EUR',
    lines: [{
      id: '1', sku: `SKU-${id}`, name: `Article ${id}`, category: 'apparel', kind: 'goods', quantity, unit_price: unit, discount: 0, vat_rate: '0.20',
      delivery_mode: 'ship_from_store', candidates, pickup_location: null,
    }],
    payments: [{ id: `PAY-${id}`, method: 'card', amount: unit * quantity, psp_fee: opts.fee ?? 80, captured_at: createdAt }],
  };
}

/** The basic example, with its events or not, extra orders, and network settings overridden. */
export function basicScenario(opts: { events?: boolean; orders?: Json[]; network?: Json } = {}): Json {
  const s = readExample('network-basic.json');
  if (opts.events === false) s.events = [];
  if (opts.orders) s.orders.push(...opts.orders);
  if (opts.network) Object.assign(s.network, opts.network);
  return s;
}

/** The basic example with every entity (or those given) posting by day. */
export function dailyScenario(opts: Parameters<typeof basicScenario>[0] = {}, entities?: string[]): Json {
  const s = basicScenario(opts);
  for (const e of s.network.entities) if (!entities || entities.includes(e.id)) e.posting = 'daily';
  return s;
}

export function importInto(ctx: ApiContext, scenario: Json) {
  return ok(callApi(ctx, 'scenario.import', { scenario }));
}

export function freshDb(): Db {
  return memoryDb();
}

/** A small seeded PRNG (mulberry32), for shuffles that are the same on every run. */
export function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    shuffle<T>(xs: T[]): T[] {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
