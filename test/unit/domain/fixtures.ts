// Small scenarios for the domain's unit tests, and access to the example scenarios (test/fixtures/examples).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseScenario, type Scenario, type ScenarioInput } from '../../../core/domain/scenario.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const examplesDir = path.join(repoRoot, 'test/fixtures/examples');

export function exampleJson(name: 'network-basic' | 'network-varied'): Record<string, any> {
  return JSON.parse(readFileSync(path.join(examplesDir, `${name}.json`), 'utf8'));
}
export function expectedReport(name: 'network-basic' | 'network-varied'): Record<string, any> {
  return JSON.parse(readFileSync(path.join(examplesDir, `${name}.settlement.json`), 'utf8'));
}
export function example(name: 'network-basic' | 'network-varied'): Scenario {
  return parseScenario(exampleJson(name));
}

type NetworkInput = ScenarioInput['network'];
type MiniNetwork = Omit<NetworkInput, 'locations' | 'catchments'> & {
  locations: NonNullable<NetworkInput['locations']>;
  catchments: NonNullable<NetworkInput['catchments']>;
};
type OrderInput = ScenarioInput['orders'] extends (infer T)[] | undefined ? T : never;
type LineInput = OrderInput['lines'][number];
type RuleInput = NonNullable<ScenarioInput['rules']>[number];
type EventInput = NonNullable<ScenarioInput['events']>[number];

/**
 * A four-entity network: HQ (platform) with warehouse WH operated by the 3PL L; franchisee A
 * (AURA) with stores SA1 (69002) and SA2; franchisee B (HDF) with store SB (59000).
 * Catchments: 69 → SA1, 690 → SA2, 59 → SB.
 */
export function miniNetwork(over: Partial<NetworkInput> = {}): MiniNetwork {
  return {
    platform_entity: 'HQ',
    entities: [
      { id: 'HQ', name: 'Head office', kind: 'franchisor', siren: '552100554' },
      { id: 'A', name: 'Franchisee A', kind: 'franchisee', siren: '802314740', region: 'AURA' },
      { id: 'B', name: 'Franchisee B', kind: 'franchisee', siren: '412689127', region: 'HDF' },
      { id: 'L', name: 'Logistics', kind: '3pl', siren: '512345679', region: 'HDF' },
    ],
    locations: [
      { id: 'WH', entity: 'HQ', operator: 'L', kind: 'warehouse', postcode: '59160', ship: true, collect: false },
      { id: 'SA1', entity: 'A', kind: 'store', postcode: '69002', ship: true, collect: true },
      { id: 'SA2', entity: 'A', kind: 'store', postcode: '69001', ship: true, collect: true },
      { id: 'SB', entity: 'B', kind: 'store', postcode: '59000', ship: true, collect: true },
    ],
    catchments: [
      { postcode_prefix: '69', location: 'SA1' },
      { postcode_prefix: '690', location: 'SA2' },
      { postcode_prefix: '59', location: 'SB' },
    ],
    ...over,
  } as MiniNetwork;
}

export function line(over: Partial<LineInput> = {}): LineInput {
  return {
    id: '1', category: 'shoes', kind: 'goods', quantity: 1, unit_price: 12000, vat_rate: '0.20',
    delivery_mode: 'home_delivery', candidates: ['WH'], ...over,
  };
}

/** An order whose single payment matches its lines (discounts included); the payment is the order's own (P1 for O1). */
export function order(over: Partial<OrderInput> & { lines?: LineInput[] } = {}): OrderInput {
  const lines = over.lines ?? [line()];
  const total = lines.reduce((s, l) => s + l.unit_price * l.quantity - (l.discount ?? 0), 0) - (over.discount ?? 0);
  const id = over.id ?? 'O1';
  return {
    id, channel: 'web', origin: null, customer_postcode: '75001', created_at: '2026-03-02T09:00:00Z', currency: 'EUR',
    payments: [{ id: id === 'O1' ? 'P1' : `P-${id}`, method: 'card', amount: total, psp_fee: 0, captured_at: '2026-03-02T09:00:00Z' }],
    ...over,
    lines,
  };
}

export function rule(over: Partial<RuleInput> = {}): RuleInput {
  return { id: 'R', version: 1, group: 'commission', priority: 10, valid_from: '2026-01-01', valid_to: null, when: {}, legs: [], ...over };
}

export function mini(parts: { network?: Partial<NetworkInput>; rules?: RuleInput[]; orders?: OrderInput[]; events?: EventInput[] }): Scenario {
  return parseScenario({
    format: 'ventil.scenario/1',
    network: miniNetwork(parts.network),
    rules: parts.rules ?? [],
    orders: parts.orders ?? [order()],
    events: parts.events ?? [],
  });
}
