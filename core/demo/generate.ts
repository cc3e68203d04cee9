// Generates a realistic franchise network with orders and their lifecycle events, as a
// `ventil.scenario/1` document. The demo database, the benchmarks and the property-style
// integration tests all use it; the same options always give the same document.
import type { Scenario } from '../domain/scenario.js';
import { Random, sirenFrom, vatNumberOf } from './random.js';

export interface GenerateOptions {
  seed?: number;
  /** Franchisee entities (head office and a 3PL are added). */
  franchisees?: number;
  orders?: number;
  /** First and last day orders are created (UTC dates). */
  from?: string;
  to?: string;
  /** Events stop here: later steps of an order's life have not happened yet. */
  eventsUntil?: string;
}

const REGIONS = ['AURA', 'HDF', 'IDF', 'PACA', 'NAQ', 'OCC', 'BRE', 'GES'];
const CITIES = ['Lyon', 'Lille', 'Paris', 'Marseille', 'Bordeaux', 'Toulouse', 'Rennes', 'Strasbourg', 'Nantes', 'Nice', 'Grenoble', 'Dijon', 'Angers', 'Tours', 'Metz', 'Caen'];
const CATALOG = [
  { sku: 'SNK', category: 'shoes', price: [5990, 14990] },
  { sku: 'TEE', category: 'apparel', price: [1490, 3990] },
  { sku: 'JKT', category: 'apparel', price: [6990, 19990] },
  { sku: 'BAG', category: 'accessories', price: [1990, 8990] },
  { sku: 'CAP', category: 'accessories', price: [990, 2990] },
  { sku: 'CRM', category: 'beauty', price: [890, 4590] },
] as const;
const HOUR = 3_600_000;

export function generateScenario(opts: GenerateOptions = {}): Scenario {
  const rnd = new Random(opts.seed ?? 42);
  const franchisees = opts.franchisees ?? 10;
  const orderCount = opts.orders ?? 300;
  const from = Date.parse(`${opts.from ?? '2026-09-01'}T00:00:00Z`);
  const to = Date.parse(`${opts.to ?? '2026-11-25'}T23:59:59Z`);
  const eventsUntil = Date.parse(opts.eventsUntil ?? '2026-11-27T18:00:00Z');

  const entities: Scenario['network']['entities'] = [
    entity('HQ', 'Maison Ventil SAS', 'franchisor', 552100554, null, '1000'),
    entity('LOG3PL', 'Logistique Tiers SAS', '3pl', 512345670, 'HDF', '9000'),
  ];
  const locations: Scenario['network']['locations'] = [
    { id: 'WH-NORD', entity: 'HQ', operator: 'LOG3PL', kind: 'warehouse', postcode: '59160', ship: true, collect: false },
    { id: 'WH-SUD', entity: 'HQ', kind: 'warehouse', postcode: '13100', ship: true, collect: false },
  ] as Scenario['network']['locations'];
  const catchments: Scenario['network']['catchments'] = [];
  const stores: { id: string; entity: string; ship: boolean; prefix: string }[] = [];
  const usedPrefixes = new Set<string>();
  for (let i = 0; i < franchisees; i++) {
    const id = `F${String(i + 1).padStart(3, '0')}`;
    const city = CITIES[i % CITIES.length]!;
    entities.push(entity(id, `${city} ${i >= CITIES.length ? Math.floor(i / CITIES.length) + 1 : ''} Commerce SARL`.replace(/ +/g, ' '),
      'franchisee', 802314700 + i * 3707, REGIONS[i % REGIONS.length]!, String(2000 + i), i % 7 === 3 ? '06-30' : '12-31'));
    const storeCount = rnd.chance(0.3) ? 2 : 1;
    for (let s = 0; s < storeCount; s++) {
      let prefix: string;
      do prefix = String(rnd.int(100, 959)); while (usedPrefixes.has(prefix));
      usedPrefixes.add(prefix);
      const storeId = `ST-${String(i + 1).padStart(3, '0')}${s === 0 ? '' : `-${s + 1}`}`;
      const ship = !rnd.chance(0.15);
      locations.push({ id: storeId, entity: id, kind: 'store', postcode: `${prefix}${rnd.int(10, 99)}`, ship, collect: true } as (typeof locations)[number]);
      catchments.push({ postcode_prefix: prefix, location: storeId });
      stores.push({ id: storeId, entity: id, ship, prefix });
    }
  }

  const orders: Scenario['orders'] = [];
  const events: Scenario['events'] = [];
  const shippers = [...stores.filter((s) => s.ship).map((s) => s.id), 'WH-NORD', 'WH-SUD'];
  for (let n = 0; n < orderCount; n++) {
    const created = from + Math.floor(rnd.next() * (to - from));
    const createdAt = iso(created);
    const roll = rnd.next();
    const channel = roll < 0.45 ? 'web' : roll < 0.65 ? 'app' : roll < 0.85 ? 'store' : roll < 0.93 ? 'endless_aisle' : 'phone';
    const home = rnd.pick(stores);
    const postcode = rnd.chance(0.9) ? `${home.prefix}${rnd.int(10, 99)}` : `${rnd.int(960, 989)}00`;
    const order: Scenario['orders'][number] = {
      id: `${channel === 'store' ? 'S' : channel === 'endless_aisle' ? 'EA' : 'W'}-${String(n + 1).padStart(6, '0')}`,
      channel, origin: channel === 'store' || channel === 'endless_aisle' ? home.id : null,
      customer_postcode: channel === 'store' ? null : postcode, created_at: createdAt, currency: 'EUR',
      lines: [], payments: [],
    } as unknown as Scenario['orders'][number];
    const lineCount = channel === 'store' ? rnd.int(1, 3) : rnd.int(1, 3);
    const cc = channel !== 'store' && channel !== 'endless_aisle' && channel !== 'phone' && rnd.chance(0.35);
    let gross = 0;
    for (let l = 0; l < lineCount; l++) {
      const item = rnd.pick(CATALOG);
      const quantity = rnd.chance(0.8) ? 1 : rnd.int(2, 4);
      const unit = Math.round(rnd.int(item.price[0], item.price[1]) / 10) * 10 - (rnd.chance(0.5) ? 10 : 0) + 0;
      const discount = rnd.chance(0.1) ? Math.round(unit * quantity * 0.1) : 0;
      const mode = channel === 'store' ? 'in_store' : cc ? 'click_and_collect' : rnd.chance(0.3) ? 'ship_from_store' : 'home_delivery';
      const candidates = channel === 'store' ? [home.id] : distinct([mode === 'click_and_collect' && rnd.chance(0.6) ? home.id : rnd.pick(shippers), rnd.pick(shippers), 'WH-NORD']).slice(0, rnd.int(1, 3));
      order.lines.push({
        id: String(l + 1), sku: `${item.sku}-${rnd.int(1, 60)}`, category: item.category, kind: 'goods', quantity, unit_price: unit,
        discount, vat_rate: item.category === 'beauty' && rnd.chance(0.2) ? '0.055' : '0.20', delivery_mode: mode, candidates,
        pickup_location: mode === 'click_and_collect' ? home.id : null,
      } as (typeof order.lines)[number]);
      gross += unit * quantity - discount;
    }
    if (channel !== 'store' && !cc) {
      order.lines.push({
        id: String(lineCount + 1), sku: 'SHIP-STD', category: 'shipping', kind: 'shipping', quantity: 1, unit_price: 490, discount: 0,
        vat_rate: '0.20', delivery_mode: 'home_delivery', candidates: [order.lines[0]!.candidates[0]!], pickup_location: null,
      } as (typeof order.lines)[number]);
      gross += 490;
    }
    const captured = iso(created + 20_000);
    if (gross > 20000 && rnd.chance(0.15)) {
      const gift = Math.round(gross * 0.3);
      order.payments.push({ id: `P${n + 1}a`, method: 'gift_card', amount: gift, psp_fee: 0, captured_at: captured });
      order.payments.push({ id: `P${n + 1}b`, method: 'card', amount: gross - gift, psp_fee: cardFee(gross - gift), captured_at: captured });
    } else {
      order.payments.push({ id: `P${n + 1}`, method: 'card', amount: gross, psp_fee: cardFee(gross), captured_at: captured });
    }
    orders.push(order);
    lifecycle(rnd, order, created, eventsUntil, events);
  }
  events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  return {
    format: 'ventil.scenario/1',
    network: {
      name: 'Réseau Ventil démo',
      platform_entity: 'HQ',
      commission_vat_rate: '0.20',
      return_window_days: 14,
      psp_fee_bearer: 'platform',
      web_attribution: ['pickup', 'catchment', 'platform'],
      offer_deadline_hours: 24,
      after_release_recovery: 'net',
      entities, locations, catchments,
    },
    rules: DEMO_RULES,
    orders, events,
  } as unknown as Scenario;

  function entity(id: string, name: string, kind: string, sirenSeed: number, region: string | null, erp: string, fye = '12-31') {
    const siren = id === 'HQ' ? '552100554' : sirenFrom(sirenSeed);
    return { id, name, kind, siren, vat_number: vatNumberOf(siren), region, psp_account: `acct_${id.toLowerCase()}`, erp_code: erp, fiscal_year_end: fye } as Scenario['network']['entities'][number];
  }
}

/** Card fee: 1.4 % + 0.25 EUR, rounded to the cent (integer arithmetic). */
function cardFee(amount: number): number {
  return Math.floor((amount * 14 + 500) / 1000) + 25;
}

function distinct(items: string[]): string[] { return [...new Set(items)]; }
function iso(ms: number): string { return new Date(ms).toISOString().replace('.000Z', 'Z'); }

type Ev = Scenario['events'][number];

/** Plays a plausible life for each line: refusals and reroutes, shipping, returns, cancellations. */
function lifecycle(rnd: Random, order: Scenario['orders'][number], created: number, until: number, out: Scenario['events']) {
  for (const line of order.lines) {
    const push = (e: Record<string, unknown>, at: number) => { if (at <= until) out.push({ ...e, order: order.id, line: line.id, at: iso(at) } as unknown as Ev); };
    let t = created;
    if (line.delivery_mode === 'in_store') {
      if (rnd.chance(0.05)) push({ type: 'line_returned', quantity: 1, location: line.candidates[0] }, t + rnd.int(24, 240) * HOUR);
      continue;
    }
    let fulfiller: string | null = null;
    for (const candidate of line.candidates) {
      t += rnd.int(1, 12) * HOUR;
      if (rnd.chance(0.12)) { push({ type: 'fulfilment_refused', location: candidate, reason: rnd.pick(['no_stock', 'damaged', 'capacity', 'timeout']) }, t); continue; }
      fulfiller = candidate;
      push({ type: 'fulfilment_accepted', location: candidate }, t);
      break;
    }
    if (!fulfiller) continue; // every candidate refused: the engine cancels the line
    if (rnd.chance(0.03)) { push({ type: 'line_cancelled' }, t + HOUR); continue; }
    t += rnd.int(2, 30) * HOUR;
    push({ type: 'line_shipped' }, t);
    t += rnd.int(20, 72) * HOUR;
    push({ type: line.delivery_mode === 'click_and_collect' ? 'line_collected' : 'line_delivered' }, t);
    if (line.kind === 'goods' && rnd.chance(0.08)) {
      const q = line.quantity > 1 && rnd.chance(0.5) ? 1 : line.quantity;
      push({ type: 'line_returned', quantity: q, location: fulfiller }, t + rnd.int(24, 300) * HOUR);
    }
  }
}

export const DEMO_RULES = [
  { id: 'WEB-HOME', version: 1, group: 'commission', priority: 20, valid_from: '2026-01-01', valid_to: null,
    when: { channel: ['web', 'app', 'phone'], delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] },
    legs: [{ to: 'seller', rate: '0.05', base: 'net' }] },
  { id: 'WEB-CC', version: 1, group: 'commission', priority: 10, valid_from: '2026-01-01', valid_to: null,
    when: { channel: ['web', 'app'], delivery_mode: ['click_and_collect'] },
    legs: [{ to: 'pickup', rate: '0.08', base: 'net' }, { to: 'catchment', rate: '0.01', base: 'net' }] },
  { id: 'ENDLESS-AISLE', version: 1, group: 'commission', priority: 10, valid_from: '2026-01-01', valid_to: null,
    when: { channel: ['endless_aisle'] }, legs: [{ to: 'origin', rate: '0.10', base: 'net', min: 200 }] },
  { id: 'SHIP-HANDLING', version: 1, group: 'logistics', priority: 10, valid_from: '2026-01-01', valid_to: null,
    when: { delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] }, legs: [{ to: 'shipper', per_unit: 95 }] },
  { id: 'ROYALTY', version: 1, group: 'royalty', priority: 100, valid_from: '2026-01-01', valid_to: null,
    when: {}, legs: [{ to: 'platform', rate: '0.04', base: 'net' }] },
  { id: 'ROYALTY-NO-SHIPPING', version: 1, group: 'royalty', priority: 1, valid_from: '2026-01-01', valid_to: null,
    when: { kind: ['shipping'] }, legs: [] },
];
