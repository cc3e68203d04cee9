import { describe, expect, it } from 'vitest';
import { formatSettlementText } from '../../../core/domain/report-text.js';
import { settle } from '../../../core/domain/settle.js';
import { example } from './fixtures.js';

describe('formatSettlementText', () => {
  const basic = formatSettlementText(settle(example('network-basic'), '2026-03-20T00:00:00Z'));
  const varied = formatSettlementText(settle(example('network-varied'), '2026-04-01T00:00:00Z'));

  it('prints orders, lines, legs and payouts with currency exponents', () => {
    expect(basic).toContain('Settlement as of 2026-03-20T00:00:00Z — 5 order(s)');
    expect(basic).toContain('Order W-1001 (EUR)  captured 185.00  PSP fees 2.96  refunded 0.00');
    expect(basic).toMatch(/HQ\s+118\.44\s+0\.00\s+118\.44/);
    expect(basic).toMatch(/WEB-HOME@1\s+seller\s+HQ\s+LYON\s+100\.00\s+0\.05\s+5\.00\s+1\.00/);
    expect(basic).toMatch(/Totals EUR {2}captured 496\.77/);
  });
  it('writes JPY without decimals and lists warnings', () => {
    expect(varied).toContain('Order O-00007 (JPY)  captured 2189567');
    expect(varied).toContain('warning [negative_payout] F04: F04 owes 5.81 EUR on order O-00011');
  });
  it('is deterministic', () => {
    expect(formatSettlementText(settle(example('network-basic'), '2026-03-20T00:00:00Z'))).toBe(basic);
  });
});
