// The subledger's format 2 (issue 14, docs/decisions/0015-compact-subledger.md): each element of
// `subledger.lines_json` is one movement, its values once (batch, entity, event, journal,
// event_at, label) then its lines (fact, role, account, aux, amount, amount_orig,
// orig_currency), instead of one element per line repeating the movement's six values. The
// writer (core/api/books-compute.ts `pushMovement`) writes format 2 from this migration on; the
// readers (core/store/subledger-repo.ts `subledgerLines`) read both, so the rows written before
// stay as they are (the subledger is append-only, and rewriting a year of it would hold an
// upgrade for minutes).
// - up() changes no table: it exists for the schema version (devices-repo.ts `schemaVersion`),
//   which hub and replicas compare before they sync, so that a replica on the code before does
//   not pull rows it cannot read.
// - down() rewrites the format-2 rows in format 1, past the append-only trigger, so the code
//   before reads every row.
import { dialectOf } from '../core/store/dialect.js';
import { schema } from './postgres-ddl.js';
import type { Db } from '../core/store/db.js';
import type { Migration } from './types.js';

/** 0011's trigger, as it was created (and translated for PostgreSQL). */
const GUARD = "CREATE TRIGGER subledger_immutable_update BEFORE UPDATE ON subledger BEGIN SELECT RAISE(ABORT, 'the subledger is append-only'); END;";
const PAGE = 1000;

type Format1 = unknown[];
type Format2 = [batch: unknown, entity: unknown, event: unknown, journal: unknown, eventAt: unknown, label: unknown, lines: unknown[][]];

/**
 * A row's `lines_json` in format 1, as the writer before wrote it. Written out here rather than
 * taken from the store's reader, so that this migration keeps its meaning whatever the code after.
 */
function format1(json: string): string {
  const out: Format1[] = [];
  for (const el of JSON.parse(json) as (Format1 | Format2)[]) {
    if (!Array.isArray(el[6])) { out.push(el); continue; }
    const [batch, entity, event, journal, eventAt, label, lines] = el as Format2;
    for (const [fact, role, account, aux, amount, amountOrig, currency] of lines) {
      out.push([batch, entity, event, fact, journal, role, account, aux, amount, amountOrig, currency, eventAt, label]);
    }
  }
  return JSON.stringify(out);
}

function toFormat1(db: Db): void {
  const page = db.prepare('SELECT id, lines_json FROM subledger WHERE id > ? ORDER BY id LIMIT ?').raw();
  const put = db.prepare('UPDATE subledger SET lines_json = ? WHERE id = ?');
  for (let after = 0; ;) {
    const rows = page.all(after, PAGE) as [number, string][];
    for (const [id, json] of rows) {
      const written = format1(json);
      if (written !== json) put.run(written, id);
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1]![0];
  }
}

export const migration: Migration = {
  name: '0016_subledger_format_2',
  up() {},
  down(db) {
    db.exec(dialectOf(db) === 'sqlite' ? 'DROP TRIGGER subledger_immutable_update;' : 'DROP TRIGGER subledger_immutable_update ON subledger;');
    toFormat1(db);
    schema(db, GUARD);
  },
};
