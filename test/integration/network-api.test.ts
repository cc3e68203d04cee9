import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { readExample, testContext } from '../helpers/db.js';

function seeded() {
  const ctx = testContext();
  const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return ctx;
}

const entity = { id: 'NICE', name: 'Nice Centre SARL', kind: 'franchisee', siren: '802314708', vat_number: 'FR07802314708', region: 'PACA', psp_account: 'acct_nice', erp_code: '4100', fiscal_year_end: '12-31' };

describe('network API', () => {
  it('summarises the network', () => {
    expect(callApi(seeded(), 'network.summary', {})).toMatchObject({ ok: true, value: { platform_entity: 'HQ', entities: 4, locations: 4, orders: 5, lines: 8, rules: 5, demo: false } });
  });

  it('creates an entity, then refuses the same id again', () => {
    const ctx = seeded();
    expect(callApi(ctx, 'network.entities.create', entity)).toMatchObject({ ok: true, value: { id: 'NICE', currency: 'EUR' } });
    expect(callApi(ctx, 'network.entities.create', entity)).toMatchObject({ ok: false, error: { code: 'duplicate_id', issues: [{ path: 'id' }] } });
  });

  it('names each invalid field', () => {
    const r = callApi(seeded(), 'network.entities.create', { ...entity, siren: '802314709', fiscal_year_end: '02-30', kind: 'shop' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_input');
    expect(r.error.issues!.map((i) => i.path).sort()).toEqual(['fiscal_year_end', 'kind', 'siren']);
  });

  it('refuses a location owned by an unknown entity, and a catchment on an unknown location', () => {
    const ctx = seeded();
    expect(callApi(ctx, 'network.locations.create', { id: 'ST-NICE', entity: 'NOPE', kind: 'store', postcode: '06000', ship: true, collect: true }))
      .toMatchObject({ ok: false, error: { code: 'invalid_reference', issues: [{ path: 'entity', code: 'unknown_reference' }] } });
    expect(callApi(ctx, 'network.catchments.save', { postcode_prefix: '06', location: 'ST-NICE' }))
      .toMatchObject({ ok: false, error: { code: 'invalid_reference' } });
    expect(callApi(ctx, 'network.locations.list', {})).toMatchObject({ ok: true, value: expect.not.arrayContaining([expect.objectContaining({ id: 'ST-NICE' })]) });
  });

  it('updates settings only with a known platform entity', () => {
    const ctx = seeded();
    const base = { platform_entity: 'HQ', return_window_days: 30 };
    expect(callApi(ctx, 'network.settings.update', { ...base, platform_entity: 'GHOST' })).toMatchObject({ ok: false, error: { code: 'invalid_reference' } });
    expect(callApi(ctx, 'network.settings.update', base)).toMatchObject({ ok: true, value: { after: { return_window_days: 30, commission_vat_rate: '0.20' } } });
  });

  it('refuses writes from roles that may only read', () => {
    const ctx = testContext(undefined, { userId: 'u', name: 'Auditor', role: 'auditor', regions: [], entities: [] });
    expect(callApi(ctx, 'network.entities.create', entity)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('network.summary in a store\'s scope', () => {
  it('counts only the orders the store is party to', () => {
    const ctx = seeded();
    const lille = testContext(ctx.db, { userId: 'u', name: 'Lille', role: 'store_manager', regions: [], entities: ['LILLE'] });
    // LILLE is party to EA-2001 (origin) and W-1003 (pickup, catchment, owner of line 2).
    expect(callApi(lille, 'network.summary', {})).toMatchObject({ ok: true, value: { entities: 4, orders: 2, lines: 3 } });
  });
});
