// À-nouveaux (opening entries, journal AN): when a fiscal year is closed, the next one opens with
// the balance-sheet balances carried forward, so each year's FEC starts from its opening balances
// as the DGFiP expects. Balance-sheet accounts are PCG classes 1 to 5; the year's income and
// expenses (classes 6 and 7) are carried as its result: 120000 for a profit, 129000 for a loss
// (before the shareholders allocate it, which is the ERP's business).
import type { Minor } from './money.js';

export interface ClosingBalance {
  role: string;
  account: string;
  aux: string | null;
  /** Debit positive, in the book currency. */
  amount: Minor;
}

export interface OpeningLine extends ClosingBalance { label: string }

export const PROFIT_ACCOUNT = '120000';
export const LOSS_ACCOUNT = '129000';
/** The role of the result line of an AN entry (not a posting role: no mapping applies to it). */
export const RESULT_ROLE = 'result';

const balanceSheet = (account: string) => /^[1-5]/.test(account);

/** The lines of the AN entry of the year after the balances: balanced by the result line. */
export function openingLines(balances: readonly ClosingBalance[], closedYear: string): OpeningLine[] {
  const lines: OpeningLine[] = [];
  let result = 0;
  for (const b of balances) {
    if (b.amount === 0) continue;
    if (balanceSheet(b.account)) lines.push({ ...b, label: `À-nouveau ${closedYear}` });
    else result += b.amount;
  }
  // Income (class 7) is a credit, expenses a debit: a net credit is a profit.
  if (result !== 0) {
    lines.push({ role: RESULT_ROLE, account: result < 0 ? PROFIT_ACCOUNT : LOSS_ACCOUNT, aux: null, amount: result, label: `Résultat de l'exercice ${closedYear}` });
  }
  lines.sort((a, b) => (a.amount > 0 ? 0 : 1) - (b.amount > 0 ? 0 : 1) || (a.account < b.account ? -1 : a.account > b.account ? 1 : 0)
    || ((a.aux ?? '') < (b.aux ?? '') ? -1 : (a.aux ?? '') > (b.aux ?? '') ? 1 : 0));
  return lines;
}
