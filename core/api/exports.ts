// Exports of an entity's books for a period: the FEC (article A47 A-1 LPF), a CSV of every
// line, and a plain-text journal for hledger. Each returns the file's name and content (text and
// base64 bytes), which the UI offers as a download; bad input is a named error and no file.
import { z } from 'zod';
import { csvExport, fecExport, ledgerExport } from './books-service.js';
import { ALL_ROLES, defineHandler } from './handler.js';
import { EntityId, PeriodName } from './journal.js';

const Input = z.object({ entity: EntityId, period: PeriodName }).strict();

/** One export handler: checks the entity is in the caller's scope, then builds the file. */
function exportHandler(summary: string, build: typeof fecExport) {
  return defineHandler({
    summary,
    input: Input,
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx, input) => {
      ctx.scope.assertEntity(input.entity);
      return build(ctx.db, input.entity, input.period);
    },
  });
}

export const exportsHandlers = {
  'exports.fec': exportHandler('The FEC of an entity for a closed fiscal year, or a month (`<SIREN>FEC<closing date>.txt`, ISO 8859-15)', fecExport),
  'exports.csv': exportHandler('Every journal line of an entity for a period, as CSV (UTF-8, comma, decimal point)', csvExport),
  'exports.ledger': exportHandler('The journal of an entity for a period in hledger\'s plain-text format', ledgerExport),
};
