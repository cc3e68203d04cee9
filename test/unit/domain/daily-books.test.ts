// Daily books' names (core/domain/daily-books.ts): an entry's account set, its piece and label.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { accountSet, dailyLabel, dailyPiece } from '../../../core/domain/daily-books.js';

describe('daily books', () => {
  it('name an account set by its accounts, sorted, each once', () => {
    expect(accountSet(['707000', '467000', '445710', '467000'])).toBe('445710,467000,707000');
    expect(accountSet(['512000'])).toBe('512000');
    expect(accountSet([])).toBe('');
    fc.assert(fc.property(fc.array(fc.constantFrom('411000', '445710', '467000', '512000', '627800', '706000', '707000'), { maxLength: 12 }), (accounts) => {
      expect(accountSet(accounts)).toBe([...new Set(accounts)].sort().join(','));
      expect(accountSet([...accounts].reverse())).toBe(accountSet(accounts));
    }));
  });

  it('give a day\'s entry its piece and a label that names it', () => {
    const piece = dailyPiece('VE', '2026-03-02', 1);
    expect(piece).toBe('VE-20260302-1');
    expect(dailyLabel('VE', '2026-03-02', 37, piece)).toBe('Ventes du 02/03/2026 : 37 mouvements (détail VE-20260302-1)');
    expect(dailyLabel('BQ', '2026-03-02', 1, dailyPiece('BQ', '2026-03-02', 2))).toBe('Banque et PSP du 02/03/2026 : 1 mouvement (détail BQ-20260302-2)');
  });
});
