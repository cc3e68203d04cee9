// Reads of the outbox's attempt log (table `outbox_attempts`, migration 0005) that the runner
// needs beyond core/sync/outbox.ts.
import { all, qb } from './query.js';
import type { Sqlite } from './sqlite.js';

/** How many attempts of an outbox row ended with this error code. */
export function countAttemptsWithCode(db: Sqlite, outboxId: number, errorCode: string): number {
  const [row] = all(db, qb.selectFrom('outbox_attempts').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('outbox_id', '=', outboxId).where('error_code', '=', errorCode));
  return row?.n ?? 0;
}
