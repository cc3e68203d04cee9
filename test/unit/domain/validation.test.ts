import { describe, expect, it } from 'vitest';
import { parseScenario, validateEvents, validateEventsFile, validateScenario, ValidationError, type Issue } from '../../../core/domain/scenario.js';
import { exampleJson, line, miniNetwork, order, rule } from './fixtures.js';

const issuesOf = (json: unknown): Issue[] => {
  const r = validateScenario(json);
  if (r.ok) throw new Error('expected the input to be refused');
  return r.issues;
};
const has = (issues: Issue[], path: string, code: string) =>
  expect(issues, JSON.stringify(issues, null, 1)).toContainEqual(expect.objectContaining({ path, code }));
const base = (over: Record<string, unknown> = {}) => ({ format: 'ventil.scenario/1', network: miniNetwork(), rules: [], orders: [order()], events: [], ...over });

describe('validateScenario', () => {
  it('accepts both examples, filling in defaults', () => {
    for (const name of ['network-basic', 'network-varied'] as const) {
      const r = validateScenario(exampleJson(name));
      expect(r.ok, JSON.stringify(r.issues)).toBe(true);
    }
    const s = parseScenario(exampleJson('network-basic'));
    expect(s.network.offer_deadline_hours).toBe(24);
    expect(s.network.after_release_recovery).toBe('net');
    expect(s.network.entities[0].currency).toBe('EUR');
    expect(s.rules[0].legs[0]).toMatchObject({ from: 'owner', per_unit: 0, min: null, max: null });
    expect(s.orders[0].discount).toBe(0);
  });

  it('reports every problem of a broken network-basic, each with its path', () => {
    const json = exampleJson('network-basic');
    json.orders[3].lines[0].vat_rate = '0,20';
    json.orders[4].lines[0].pickup_location = 'ST-NOWHERE';
    json.orders[1].payments[0].amount = 8999;
    const issues = issuesOf(json);
    expect(issues).toEqual([
      { path: 'orders[1].payments', code: 'payments_mismatch', message: "payments add up to 8999 but the order's gross total after discounts is 9000" },
      { path: 'orders[3].lines[0].vat_rate', code: 'invalid_rate', message: 'not a decimal string: "0,20" (write rates like "0.20")' },
      { path: 'orders[4].lines[0].pickup_location', code: 'unknown_reference', message: 'unknown location "ST-NOWHERE"' },
    ]);
  });

  it('also reports what an unknown candidate breaks further on (events naming the old candidate)', () => {
    const json = exampleJson('network-basic');
    json.orders[0].lines[1].candidates = ['ST-NOWHERE'];
    const issues = issuesOf(json);
    has(issues, 'orders[0].lines[1].candidates[0]', 'unknown_reference');
    has(issues, 'events[2].location', 'location_not_candidate');
    expect(issues).toHaveLength(2);
  });

  it('checks rates: decimal strings within [0, 1]', () => {
    const issues = issuesOf(base({ rules: [rule({ legs: [{ to: 'seller', rate: '1.5' }, { to: 'seller', rate: 0.05 as unknown as string }] })], network: miniNetwork({ commission_vat_rate: '20%' }) }));
    has(issues, 'rules[0].legs[0].rate', 'invalid_rate');
    has(issues, 'rules[0].legs[1].rate', 'invalid_type');
    has(issues, 'network.commission_vat_rate', 'invalid_rate');
  });

  it('checks SIRENs: 9 digits and Luhn', () => {
    const net = miniNetwork();
    net.entities[1] = { ...net.entities[1], siren: '802314741' };
    net.entities[2] = { ...net.entities[2], siren: '12345' };
    const issues = issuesOf(base({ network: net }));
    has(issues, 'network.entities[1].siren', 'invalid_siren');
    has(issues, 'network.entities[2].siren', 'invalid_siren');
  });

  it('finds duplicate ids', () => {
    const net = miniNetwork();
    net.entities.push({ ...net.entities[1] });
    net.locations.push({ ...net.locations[1] });
    const issues = issuesOf(base({
      network: net,
      rules: [rule(), rule()],
      orders: [order({ lines: [line(), line()] }), order()],
    }));
    has(issues, 'network.entities[4].id', 'duplicate_id');
    has(issues, 'network.locations[4].id', 'duplicate_id');
    has(issues, 'rules[1].version', 'duplicate_id');
    has(issues, 'orders[0].lines[1].id', 'duplicate_id');
    has(issues, 'orders[1].id', 'duplicate_id');
  });

  it('finds unknown references everywhere', () => {
    const net = miniNetwork({ platform_entity: 'NOPE' });
    net.locations[0] = { ...net.locations[0], entity: 'X1', operator: 'X2' };
    net.catchments[0] = { ...net.catchments[0], location: 'X3' };
    const issues = issuesOf(base({
      network: net,
      rules: [rule({ when: { seller: ['X4'], owner: ['X5'] }, legs: [{ to: 'entity:X6', rate: '0.01' }, { to: 'boss', rate: '0.01' }] })],
      orders: [order({ channel: 'endless_aisle', origin: 'X7', lines: [line({ candidates: ['X8'], delivery_mode: 'click_and_collect', pickup_location: 'X9' })] })],
    }));
    for (const [path, code] of [
      ['network.platform_entity', 'unknown_reference'], ['network.locations[0].entity', 'unknown_reference'],
      ['network.locations[0].operator', 'unknown_reference'], ['network.catchments[0].location', 'unknown_reference'],
      ['rules[0].when.seller[0]', 'unknown_reference'], ['rules[0].when.owner[0]', 'unknown_reference'],
      ['rules[0].legs[0].to', 'unknown_reference'], ['rules[0].legs[1].to', 'unknown_role'],
      ['orders[0].origin', 'unknown_reference'], ['orders[0].lines[0].candidates[0]', 'unknown_reference'],
      ['orders[0].lines[0].pickup_location', 'unknown_reference'],
    ]) has(issues, path, code);
  });

  it('checks rule legs and versions', () => {
    const issues = issuesOf(base({
      rules: [
        rule({ id: 'A', legs: [{ to: 'seller', rate: '0.1', min: 500, max: 100 }] }),
        rule({ id: 'V', version: 1, valid_from: '2026-01-01', valid_to: '2026-03-01' }),
        rule({ id: 'V', version: 2, valid_from: '2026-02-01', valid_to: null }),
        rule({ id: 'W', valid_from: '2026-02-01', valid_to: '2026-02-01' }),
      ],
    }));
    has(issues, 'rules[0].legs[0].min', 'min_exceeds_max');
    has(issues, 'rules[2].valid_from', 'overlapping_versions');
    has(issues, 'rules[3].valid_to', 'invalid_validity');
  });

  it('checks orders: origin and pickup required, quantities, amounts, discounts', () => {
    const issues = issuesOf(base({
      orders: [
        order({ id: 'S', channel: 'store', origin: null, lines: [line({ delivery_mode: 'in_store', candidates: ['SA1'] })] }),
        order({ id: 'C', lines: [line({ delivery_mode: 'click_and_collect', pickup_location: null })] }),
        { ...order({ id: 'Q' }), lines: [line({ quantity: 1.5 }), line({ id: '2', quantity: 0 }), line({ id: '3', unit_price: 10.5 })] },
        order({ id: 'D', lines: [line({ unit_price: 100, discount: 200 })] }),
      ],
    }));
    has(issues, 'orders[0].origin', 'missing_origin');
    has(issues, 'orders[1].lines[0].pickup_location', 'missing_pickup_location');
    has(issues, 'orders[2].lines[0].quantity', 'invalid_quantity');
    has(issues, 'orders[2].lines[1].quantity', 'invalid_quantity');
    has(issues, 'orders[2].lines[2].unit_price', 'invalid_amount');
    has(issues, 'orders[3].lines[0].discount', 'negative_amount');
  });

  it('refuses an order discount that a line cannot absorb', () => {
    const issues = issuesOf(base({ orders: [order({ discount: 500, lines: [line({ unit_price: 1000, discount: 900 }), line({ id: '2', unit_price: 1000 })] })] }));
    has(issues, 'orders[0].discount', 'negative_amount');
  });

  it('checks events: types, references, candidates, returns', () => {
    const issues = issuesOf(base({
      orders: [order({ lines: [line({ quantity: 2, candidates: ['SA1', 'SB'] })] })],
      events: [
        { type: 'line_teleported', order: 'O1', line: '1', at: '2026-03-03T10:00:00Z' },
        { type: 'line_shipped', order: 'NOPE', line: '1', at: '2026-03-03T10:00:00Z' },
        { type: 'line_shipped', order: 'O1', line: '9', at: '2026-03-03T10:00:00Z' },
        { type: 'fulfilment_accepted', order: 'O1', line: '1', location: 'WH', at: '2026-03-03T10:00:00Z' },
        { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-04T10:00:00Z' },
        { type: 'line_returned', order: 'O1', line: '1', quantity: 1, at: '2026-03-04T10:00:00Z' }, // same event: once
        { type: 'line_returned', order: 'O1', line: '1', quantity: 2, at: '2026-03-05T10:00:00Z' },
        { type: 'fulfilment_refused', order: 'O1', line: '1', location: 'SB', reason: 'bored', at: '2026-03-03T10:00:00Z' },
        { type: 'line_delivered', order: 'O1', line: '1', at: 'yesterday' },
      ],
    }));
    has(issues, 'events[0].type', 'unknown_event_type');
    has(issues, 'events[1].order', 'unknown_reference');
    has(issues, 'events[2].line', 'unknown_reference');
    has(issues, 'events[3].location', 'location_not_candidate');
    has(issues, 'events[6].quantity', 'return_exceeds_sold');
    has(issues, 'events[7].reason', 'invalid_value');
    has(issues, 'events[8].at', 'invalid_time');
    expect(issues.filter((i) => i.code === 'return_exceeds_sold')).toHaveLength(1);
  });

  it('reports unknown fields, missing fields, and non-objects', () => {
    const o = { ...order(), lines: [{ ...line(), discout: 100 }] };
    const issues = issuesOf(base({ orders: [o], network: { ...miniNetwork(), platform_entity: undefined } }));
    has(issues, 'orders[0].lines[0].discout', 'unknown_field');
    has(issues, 'network.platform_entity', 'missing_field');
    expect(validateScenario(42).ok).toBe(false);
    expect(validateScenario(null).ok).toBe(false);
  });

  it('parseScenario throws a ValidationError carrying the issues', () => {
    const json = exampleJson('network-basic');
    json.orders[0].payments[0].amount = 1;
    try {
      parseScenario(json);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).issues[0]).toMatchObject({ path: 'orders[0].payments', code: 'payments_mismatch' });
    }
  });
});

describe('validateEvents against stored orders', () => {
  const known = { orders: [{ id: 'W-1', lines: [{ id: '1', quantity: 3, candidates: ['ST-A', 'ST-B'] }] }] };
  it('accepts good events', () => {
    const r = validateEvents([{ type: 'fulfilment_accepted', order: 'W-1', line: '1', location: 'ST-B', at: '2026-03-03T10:00:00Z' }], known);
    expect(r.ok).toBe(true);
  });
  it('counts returns already stored, and ignores an event already applied', () => {
    const prior = [{ type: 'line_returned' as const, order: 'W-1', line: '1', quantity: 2, at: '2026-03-04T10:00:00Z' }];
    const again = validateEvents([{ type: 'line_returned', order: 'W-1', line: '1', quantity: 2, at: '2026-03-04T10:00:00Z' }], { ...known, priorEvents: prior });
    expect(again.ok).toBe(true);
    const more = validateEvents([{ type: 'line_returned', order: 'W-1', line: '1', quantity: 2, at: '2026-03-05T10:00:00Z' }], { ...known, priorEvents: prior });
    expect(more.ok).toBe(false);
    if (!more.ok) expect(more.issues[0]).toMatchObject({ path: 'events[0].quantity', code: 'return_exceeds_sold' });
  });
  it('refuses an event id reused for a different event', () => {
    const r = validateEvents([
      { id: 'e1', type: 'line_shipped', order: 'W-1', line: '1', at: '2026-03-03T10:00:00Z' },
      { id: 'e1', type: 'line_delivered', order: 'W-1', line: '1', at: '2026-03-04T10:00:00Z' },
    ], known);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ path: 'events[1].id', code: 'duplicate_id' });
  });
  it('validates an events-only file', () => {
    const format = 'ventil.scenario/1';
    expect(validateEventsFile({ format, events: [{ type: 'line_shipped', order: 'W-1', line: '1', at: '2026-03-03T10:00:00Z' }] }, known).ok).toBe(true);
    const r = validateEventsFile({ format, events: [{ type: 'line_shipped', order: 'W-2', line: '1', at: '2026-03-03T10:00:00Z' }], extra: 1 }, known);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.code).sort()).toEqual(['unknown_field', 'unknown_reference']);
    // The format is required, and named.
    const missing = validateEventsFile({ events: [] }, known);
    expect(missing).toMatchObject({ ok: false, issues: [{ path: 'format', code: 'missing_field', message: expect.stringContaining('"ventil.scenario/1"') }] });
    expect(validateEventsFile({}, known).ok).toBe(false);
  });
});
