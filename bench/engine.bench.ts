// Pure engine throughput: a generated network of 500 entities and N orders (about 2.5 lines
// each, with refusals, deliveries, returns and cancellations), settled in memory.
// Run: npx tsx bench/engine.bench.ts [orders=200000]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContext } from '../core/domain/context.js';
import type { LifecycleEvent, Network, Order, Rule } from '../core/domain/scenario.js';
import { settleOrder } from '../core/domain/settle.js';
import { mulberry32 } from '../core/demo/random.js';


const rand = mulberry32(42);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const REGIONS = ['AURA', 'HDF', 'IDF', 'PACA', 'BRE', 'OCC'];

export function generateNetwork(entities = 500): Network {
  const ents: Network['entities'] = [{ id: 'HQ', name: 'HQ', kind: 'franchisor', siren: '552100554', vat_number: null, region: null, psp_account: null, erp_code: null, fiscal_year_end: '12-31', currency: 'EUR', time_zone: 'Europe/Paris', posting: 'detail' }];
  const locations: Network['locations'] = [
    { id: 'WH-1', entity: 'HQ', operator: null, kind: 'warehouse', postcode: '59160', ship: true, collect: false },
    { id: 'WH-2', entity: 'HQ', operator: 'E0001', kind: 'warehouse', postcode: '13000', ship: true, collect: false },
  ];
  const catchments: Network['catchments'] = [];
  for (let i = 1; i < entities; i++) {
    const id = `E${String(i).padStart(4, '0')}`;
    ents.push({ id, name: id, kind: 'franchisee', siren: '552100554', vat_number: null, region: REGIONS[i % REGIONS.length], psp_account: null, erp_code: null, fiscal_year_end: '12-31', currency: 'EUR', time_zone: 'Europe/Paris', posting: 'detail' });
    const loc = `ST-${id}`;
    const pc = String(10000 + i * 17).slice(0, 5);
    locations.push({ id: loc, entity: id, operator: null, kind: 'store', postcode: pc, ship: true, collect: true });
    catchments.push({ postcode_prefix: pc.slice(0, 4), location: loc });
  }
  return {
    name: 'bench', platform_entity: 'HQ', commission_vat_rate: '0.20', return_window_days: 14, psp_fee_bearer: 'owners_pro_rata',
    web_attribution: ['pickup', 'catchment', 'shipper', 'platform'], offer_deadline_hours: 24, after_release_recovery: 'net', self_billing: 'all', release_approval_threshold: {}, release_interval_days: 7, fx_rates: [],
    entities: ents, locations, catchments,
  };
}

export const BENCH_RULES: Rule[] = [
  { id: 'WEB-HOME', version: 1, group: 'commission', priority: 20, valid_from: '2026-01-01', valid_to: '2026-02-15', when: { channel: ['web', 'app', 'phone'], delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] }, legs: [{ to: 'seller', from: 'owner', rate: '0.05', base: 'net', per_unit: 0, min: null, max: null }] },
  { id: 'WEB-HOME', version: 2, group: 'commission', priority: 20, valid_from: '2026-02-15', valid_to: null, when: { channel: ['web', 'app', 'phone'], delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] }, legs: [{ to: 'seller', from: 'owner', rate: '0.0625', base: 'net', per_unit: 0, min: 150, max: null }, { to: 'shipper', from: 'owner', rate: '0', base: 'net', per_unit: 95, min: null, max: null }] },
  { id: 'WEB-AURA', version: 1, group: 'commission', priority: 15, valid_from: '2026-01-01', valid_to: null, when: { channel: ['web'], delivery_mode: ['home_delivery'], seller_region: ['AURA'], kind: ['goods'] }, legs: [{ to: 'seller', from: 'owner', rate: '0.07', base: 'gross', per_unit: 0, min: null, max: 900 }] },
  { id: 'CC', version: 1, group: 'commission', priority: 10, valid_from: '2026-01-01', valid_to: null, when: { delivery_mode: ['click_and_collect'] }, legs: [{ to: 'pickup', from: 'owner', rate: '0.08', base: 'net', per_unit: 0, min: null, max: null }, { to: 'catchment', from: 'owner', rate: '0.015', base: 'net', per_unit: 0, min: null, max: null }] },
  { id: 'CC-SAME', version: 1, group: 'commission', priority: 5, valid_from: '2026-01-01', valid_to: null, when: { delivery_mode: ['click_and_collect'], seller_is_owner: true }, legs: [] },
  { id: 'EA', version: 1, group: 'commission', priority: 10, valid_from: '2026-01-01', valid_to: null, when: { channel: ['endless_aisle'] }, legs: [{ to: 'origin', from: 'owner', rate: '0.1', base: 'net', per_unit: 0, min: 200, max: 5000 }] },
  { id: 'ROY', version: 1, group: 'royalty', priority: 100, valid_from: '2026-01-01', valid_to: null, when: {}, legs: [{ to: 'platform', from: 'owner', rate: '0.035', base: 'net', per_unit: 0, min: null, max: null }] },
  { id: 'ROY-SHIP', version: 1, group: 'royalty', priority: 1, valid_from: '2026-01-01', valid_to: null, when: { kind: ['shipping'] }, legs: [] },
  { id: 'MKT', version: 1, group: 'marketing', priority: 50, valid_from: '2026-01-01', valid_to: null, when: { category: ['shoes', 'apparel'], owner_region: ['AURA', 'PACA'] }, legs: [{ to: 'entity:HQ', from: 'owner', rate: '0.01', base: 'gross', per_unit: 0, min: null, max: null }] },
];

const VAT = ['0.20', '0.10', '0.055', '0.021', '0'];
const CATS = ['shoes', 'apparel', 'beauty', 'accessories'];

export function generateOrders(network: Network, count: number): { orders: Order[]; events: LifecycleEvent[] } {
  const stores = network.locations.filter((l) => l.kind === 'store').map((l) => l.id);
  const all = network.locations.map((l) => l.id);
  const orders: Order[] = [];
  const events: LifecycleEvent[] = [];
  const base = Date.parse('2026-01-05T00:00:00Z');
  for (let n = 0; n < count; n++) {
    const id = `O-${n}`;
    const channel = pick(['web', 'web', 'app', 'phone', 'store', 'endless_aisle'] as const);
    const origin = channel === 'store' || channel === 'endless_aisle' ? pick(stores) : null;
    const createdMs = base + int(0, 80 * 86400) * 1000;
    const created = new Date(createdMs).toISOString().replace('.000Z', 'Z');
    const nLines = int(1, 4);
    const lines: Order['lines'] = [];
    let total = 0;
    for (let j = 0; j < nLines; j++) {
      const mode = channel === 'store' ? 'in_store' : pick(['home_delivery', 'click_and_collect', 'ship_from_store'] as const);
      const candidates = mode === 'in_store' ? [origin!] : [pick(all), pick(all), pick(all)].filter((c, k, xs) => xs.indexOf(c) === k);
      const quantity = int(1, 5);
      const unit = int(100, 20000);
      const discount = rand() < 0.2 ? int(0, Math.floor((unit * quantity) / 2)) : 0;
      lines.push({
        id: String(j + 1), category: pick(CATS), kind: 'goods', quantity, unit_price: unit, discount, vat_rate: pick(VAT), delivery_mode: mode,
        candidates, pickup_location: mode === 'click_and_collect' ? pick(stores) : null,
      });
      total += unit * quantity - discount;
    }
    const discount = rand() < 0.2 ? int(0, Math.floor(total / 10)) : 0;
    total -= discount;
    const fee = Math.round(total * 0.015);
    const payments = rand() < 0.3
      ? [{ id: `${id}-a`, method: 'gift_card', amount: Math.floor(total / 3), psp_fee: 0, captured_at: created }, { id: `${id}-b`, method: 'card', amount: total - Math.floor(total / 3), psp_fee: fee, captured_at: created }]
      : [{ id: `${id}-a`, method: 'card', amount: total, psp_fee: fee, captured_at: created }];
    orders.push({ id, channel, origin, customer_postcode: String(10000 + int(0, 9000)), created_at: created, currency: rand() < 0.1 ? 'JPY' : 'EUR', discount, lines, payments });
    let t = createdMs;
    const at = () => new Date((t += int(600, 86400) * 1000)).toISOString().replace('.000Z', 'Z');
    for (const line of lines) {
      if (line.delivery_mode === 'in_store') {
        if (rand() < 0.05) events.push({ type: 'line_returned', order: id, line: line.id, quantity: 1, at: at() });
        continue;
      }
      let k = 0;
      while (k < line.candidates.length - 1 && rand() < 0.2) events.push({ type: 'fulfilment_refused', order: id, line: line.id, location: line.candidates[k++], reason: 'no_stock', at: at() });
      if (rand() < 0.05) {
        events.push({ type: 'line_cancelled', order: id, line: line.id, at: at() });
        continue;
      }
      events.push({ type: 'fulfilment_accepted', order: id, line: line.id, location: line.candidates[k], at: at() });
      events.push({ type: 'line_shipped', order: id, line: line.id, at: at() });
      events.push({ type: line.delivery_mode === 'click_and_collect' ? 'line_collected' : 'line_delivered', order: id, line: line.id, at: at() });
      if (rand() < 0.1) {
        const q = int(1, line.quantity);
        events.push({ type: 'line_returned', order: id, line: line.id, quantity: q, at: at() });
      }
    }
  }
  return { orders, events };
}

function main() {
  const count = Number(process.argv[2] ?? 200_000);
  const network = generateNetwork(500);
  const t0 = performance.now();
  const { orders, events } = generateOrders(network, count);
  const byOrder = new Map<string, LifecycleEvent[]>();
  for (const e of events) {
    const l = byOrder.get(e.order);
    if (l) l.push(e);
    else byOrder.set(e.order, [e]);
  }
  const lines = orders.reduce((s, o) => s + o.lines.length, 0);
  const t1 = performance.now();
  console.log(`generated ${count} orders, ${lines} lines, ${events.length} events in ${((t1 - t0) / 1000).toFixed(2)} s`);
  const ctx = buildContext(network, BENCH_RULES);
  const asOf = '2026-06-01T00:00:00Z';
  // Warm-up, then the measured run.
  for (let i = 0; i < Math.min(2000, orders.length); i++) settleOrder(ctx, orders[i], byOrder.get(orders[i].id) ?? [], asOf);
  const t2 = performance.now();
  const c2 = process.cpuUsage();
  let legs = 0;
  for (const o of orders) {
    const os = settleOrder(ctx, o, byOrder.get(o.id) ?? [], asOf);
    for (const l of os.lines) legs += l.legs.length;
  }
  const cpu = process.cpuUsage(c2);
  const t3 = performance.now();
  const secs = (t3 - t2) / 1000;
  // CPU time (this process, all its threads: includes the garbage collector's helpers) is
  // steadier than wall time on a shared machine; both are printed.
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`settled ${lines} lines (${legs} legs) in ${secs.toFixed(2)} s wall: ${fmt(lines / secs)} lines/s, ${fmt(count / secs)} orders/s`);
  console.log(`cpu ${cpuSecs.toFixed(2)} s: ${fmt(lines / cpuSecs)} lines per cpu-second`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
