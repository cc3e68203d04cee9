import { describe, expect, it } from 'vitest';
import { callApi } from '../../core/api/index.js';
import { createContext } from '../../core/api/context.js';
import { memoryDb, readExample } from '../helpers/db.js';

describe('dashboard.entity', () => {
  const db = memoryDb();
  const hq = createContext(db, { now: () => new Date('2026-03-20T00:00:00Z') });
  const imported = callApi(hq, 'scenario.import', { scenario: readExample('network-basic.json') });

  it('sums an entity\'s commissions, sales, payouts and escrow from its settled orders', () => {
    expect(imported.ok).toBe(true);
    const r = callApi(hq, 'dashboard.entity', { entity: 'VILL', from: '2026-03-01', to: '2026-04-01' });
    expect(r.ok).toBe(true);
    const eur = (r as { value: { currencies: { currency: string }[] } }).value.currencies[0] as unknown as Record<string, unknown>;
    // VILL owns W-1001 line 2 (6000) and W-1002 line 1 (9000, half returned); pays royalties and LYON's commission.
    expect(eur).toMatchObject({
      currency: 'EUR', orders: 2, lines_owned: 2, sales_gross: 15000, returned_gross: 4500,
      paid: [{ group: 'commission', amount: 187, vat: 37 }, { group: 'royalty', amount: 350, vat: 70 }],
      payout: 5760 + 4096, escrow: { held: 0, released: 5760 + 4096 },
    });
  });

  it('refuses an entity outside the caller\'s scope', () => {
    const lyon = createContext(db, { principal: { userId: 'u', name: 'Lyon', role: 'store_manager', regions: [], entities: ['LYON'] } });
    expect(callApi(lyon, 'dashboard.entity', { entity: 'VILL' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(callApi(lyon, 'dashboard.entity', { entity: 'LYON' })).toMatchObject({ ok: true });
  });
});
