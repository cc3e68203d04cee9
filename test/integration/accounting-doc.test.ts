// docs/accounting.md shows the full journal of the example order W-1001 for HQ, LYON and VILL;
// the block is generated from the code (scripts/gen-accounting-doc.ts), and this test fails when
// the document and what Ventil posts disagree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, DOC, END, exampleJournalMarkdown } from '../../scripts/gen-accounting-doc.js';

describe('docs/accounting.md', () => {
  it('shows the journal Ventil posts for W-1001 (regenerate: npx tsx scripts/gen-accounting-doc.ts)', () => {
    const doc = readFileSync(DOC, 'utf8');
    const block = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
    expect(block).toBe(exampleJournalMarkdown().trim());
    // The block is the one of the example, not an empty one.
    expect(block).toContain('| VE2026-000001 | 2026-03-02 | Vente W-1001/1 SNK-42 | W-1001 | 467300 Fonds clients à affecter | 120,00 |  |');
    // Legs are booked on the month's periodic invoice, dated on its last day.
    expect(block).toContain('| 2026-03-31 | Facture FAC-LYON-2026-000001 : commissions et redevances de mars 2026 | FAC-LYON-2026-000001 |');
    expect(block).toMatch(/#### VILL[\s\S]*467000-HQ Compte courant plateforme \| 60,00/);
  });
});
