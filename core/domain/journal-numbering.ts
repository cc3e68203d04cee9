// Journal entry numbers and validation times (docs/accounting.md): entries are numbered without
// gaps per entity, journal and fiscal year, in the order they are written; their validation
// times never go back. Pure: the store tells where each sequence stands and writes the result.

export interface JournalSequence { entity: string; journal: string; fiscal_year: string }

/**
 * Hands out the next number of each sequence. `firstFree` reads where a sequence stands (one past
 * its last stored number) the first time it is used; later numbers are counted here, which is
 * right while one writer holds the sequence (one transaction, or a row lock on PostgreSQL).
 */
export function journalNumbers(firstFree: (s: JournalSequence) => number): (s: JournalSequence) => number {
  const next = new Map<string, number>();
  return (s) => {
    const key = `${s.entity}\u0000${s.journal}\u0000${s.fiscal_year}`;
    const n = next.get(key) ?? firstFree(s);
    next.set(key, n + 1);
    return n;
  };
}

/**
 * Validation times, in writing order: an entry is validated when it asks, or at the last
 * validation time if that is later (the FEC's ValidDate never goes back).
 */
export function validationClock(lastStored: () => string): (wanted: string) => string {
  let last: string | null = null;
  return (wanted) => {
    const before = last ?? lastStored();
    last = wanted > before ? wanted : before;
    return last;
  };
}
