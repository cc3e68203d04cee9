// The business rules the store applies and the domain decides (issue 17 item 5): journal
// numbering and validation times, closed periods, and the import conflict policy.
import { describe, expect, it } from 'vitest';
import { closedPeriodHolding } from '../../../core/domain/books-calendar.js';
import {
  eventConflict, orderConflict, overlappingVersions, rowConflict, ruleVersionConflict, settingsVerdict, takenPayments,
} from '../../../core/domain/import-policy.js';
import { journalNumbers, validationClock } from '../../../core/domain/journal-numbering.js';

describe('journal numbering', () => {
  it('numbers each entity, journal and fiscal year from where the store stands, without gaps', () => {
    const reads: string[] = [];
    const next = journalNumbers((s) => { reads.push(`${s.entity}/${s.journal}/${s.fiscal_year}`); return s.entity === 'HQ' ? 41 : 1; });
    const hqVe = { entity: 'HQ', journal: 'VE', fiscal_year: '2026' };
    expect([next(hqVe), next(hqVe), next({ ...hqVe, journal: 'BQ' }), next({ ...hqVe, fiscal_year: '2027' }), next(hqVe)]).toEqual([41, 42, 41, 41, 43]);
    expect(next({ entity: 'LYON', journal: 'VE', fiscal_year: '2026' })).toBe(1);
    // The stored position is read once per sequence.
    expect(reads).toEqual(['HQ/VE/2026', 'HQ/BQ/2026', 'HQ/VE/2027', 'LYON/VE/2026']);
  });

  it('never moves validation times back', () => {
    const at = validationClock(() => '2026-03-02T10:00:00Z');
    expect(at('2026-03-01T00:00:00Z')).toBe('2026-03-02T10:00:00Z');
    expect(at('2026-03-05T00:00:00Z')).toBe('2026-03-05T00:00:00Z');
    expect(at('2026-03-04T00:00:00Z')).toBe('2026-03-05T00:00:00Z');
  });
});

describe('closed periods', () => {
  it('finds the closed month or year that holds a date, bounds included', () => {
    const closed = [{ period: '2026-01', start_date: '2026-01-01', end_date: '2026-01-31' }, { period: '2025', start_date: '2025-01-01', end_date: '2025-12-31' }];
    expect(closedPeriodHolding(closed, '2026-01-31')?.period).toBe('2026-01');
    expect(closedPeriodHolding(closed, '2025-06-15')?.period).toBe('2025');
    expect(closedPeriodHolding(closed, '2026-02-01')).toBeUndefined();
  });
});

describe('import conflict policy', () => {
  it('adds new settings and refuses different values for stored ones', () => {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const v = settingsVerdict(new Map([['currency', '"EUR"'], ['platform_entity', '"HQ"']]), { currency: 'EUR', platform_entity: 'HQ2', offer_deadline_hours: 24, skip: undefined }, same);
    expect(v.add).toEqual([['offer_deadline_hours', 24]]);
    expect(v.conflicts).toEqual([expect.objectContaining({ path: 'network.platform_entity', code: 'network_conflict' })]);
  });

  it('names the columns of a registry row that differ', () => {
    expect(rowConflict({ id: 'LYON', name: 'Lyon', region: 'AURA' }, { id: 'LYON', name: 'Lyon', region: 'AURA' }, 'id', 'network.entities[0]')).toBeNull();
    const c = rowConflict({ id: 'LYON', name: 'Lyon', region: 'AURA' }, { id: 'LYON', name: 'Lyon 2', region: 'IDF' }, 'id', 'network.entities[0]');
    expect(c).toMatchObject({ path: 'network.entities[0]', code: 'conflict' });
    expect(c!.message).toContain('other name, region');
  });

  it('keeps rule versions immutable and their validity apart', () => {
    expect(ruleVersionConflict('h1', 'h1', { id: 'R', version: 2 }, 'rules[0]')).toBeNull();
    expect(ruleVersionConflict('h1', 'h2', { id: 'R', version: 2 }, 'rules[0]')?.code).toBe('rule_version_conflict');
    const stored = [{ version: 1, valid_from: '2026-01-01', valid_to: '2026-03-01' }, { version: 3, valid_from: '2026-06-01', valid_to: null }];
    expect(overlappingVersions({ id: 'R', version: 2, valid_from: '2026-03-01', valid_to: '2026-06-01' }, stored, 'rules[0]')).toEqual([]);
    expect(overlappingVersions({ id: 'R', version: 2, valid_from: '2026-02-01', valid_to: null }, stored, 'rules[0]').map((c) => [c.path, c.code]))
      .toEqual([['rules[0].valid_from', 'overlapping_versions'], ['rules[0].valid_from', 'overlapping_versions']]);
  });

  it('refuses other content under a stored order or event id, and a payment another order holds', () => {
    expect(orderConflict('a', 'a', 'W-1', 'orders[0]')).toBeNull();
    expect(orderConflict('a', 'b', 'W-1', 'orders[0]')?.code).toBe('order_conflict');
    expect(eventConflict('x', 'x', 'id:E1', 'events[0]')).toBeNull();
    expect(eventConflict('x', 'y', 'id:E1', 'events[0]')?.message).toBe('event E1 is already stored with other content');
    const taken = takenPayments([{ id: 'pi_1' }, { id: 'pi_2' }], (id) => (id === 'pi_2' ? 'W-9' : undefined), 'orders[3]');
    expect(taken).toEqual([expect.objectContaining({ path: 'orders[3].payments[1].id', code: 'duplicate_payment' })]);
  });
});
