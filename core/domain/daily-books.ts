// Posting granularity (docs/accounting.md): an entity's books in `detail` get one entry per
// order, event and document; in `daily`, one entry per journal, day and account set, whose
// order-level detail is Ventil's subledger. Pure: which granularity applies to a month, the
// account set of an entry, and the words of a daily entry.
import { JOURNALS, type JournalCode } from './books-accounts.js';
import { nextOpenMonth } from './books-calendar.js';

export const GRANULARITIES = ['detail', 'daily'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

/** A granularity and the month (YYYY-MM) it applies from; '0000-00' is from the start. */
export interface GranularityChange { from_month: string; granularity: Granularity }

/** The granularity of a month: the latest change that applies by then (detail when none). */
export function granularityOf(changes: readonly GranularityChange[], month: string): Granularity {
  let best: GranularityChange | null = null;
  for (const c of changes) if (c.from_month <= month && (best === null || c.from_month > best.from_month)) best = c;
  return best?.granularity ?? 'detail';
}

/**
 * The month from which a new granularity applies: the books of a month keep one granularity, so
 * a change applies from the first month after the current one that is still open (an entity
 * without any entry yet changes from the start).
 */
export function granularityFrom(currentMonth: string, closedMonths: ReadonlySet<string>, hasEntries: boolean): string {
  return hasEntries ? nextOpenMonth(currentMonth, closedMonths) : '0000-00';
}

/** The account set of an entry: its accounts, sorted, comma separated (`445710,467000,707000`). */
export function accountSet(accounts: readonly string[]): string {
  // Sorted, then each account once: an entry has a few lines, and a run a million entries.
  const sorted = accounts.slice().sort();
  let out = sorted[0] ?? '';
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) out += `,${sorted[i]}`;
  return out;
}

const JOURNAL_WORDS: Partial<Record<JournalCode, string>> = { VE: 'Ventes', AC: 'Achats', BQ: 'Banque et PSP', OD: 'Opérations diverses' };

/** The piece reference of a daily entry: journal, date and its rank among that day's account sets (`VE-20260302-1`). */
export const dailyPiece = (journal: string, date: string, rank: number) => `${journal}-${date.replace(/-/g, '')}-${rank}`;

/** "Ventes du 02/03/2026 : 37 mouvements (détail VE-20260302-1)" */
export function dailyLabel(journal: JournalCode, date: string, movements: number, piece: string): string {
  const words = JOURNAL_WORDS[journal] ?? JOURNALS[journal];
  return `${words} du ${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)} : ${movements} mouvement${movements > 1 ? 's' : ''} (détail ${piece})`;
}
