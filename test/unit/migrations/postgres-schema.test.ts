// Every migration on PostgreSQL: the whole list applies on an empty database and gives the same
// tables and views with the same columns in the same order as on SQLite (the store's
// `SELECT *` and column-less inserts rely on it), plus the partitioned rows of 0014; each down()
// then removes what its up() made, in reverse order, down to an empty schema.
import { beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { openDatabase } from '../../../core/store/database.js';
import type { Db } from '../../../core/store/db.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';


/** table: columns in order, from SQLite. */
function sqliteColumns(db: Db): Record<string, string[]> {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").pluck().all() as string[];
  return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[])]));
}

function postgresColumns(db: Db): Record<string, string[]> {
  const rows = db.prepare(`SELECT c.table_name AS t, c.column_name AS c FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
    WHERE c.table_schema = 'public' AND c.table_name <> 'schema_migrations' ORDER BY c.table_name, c.ordinal_position`).all() as { t: string; c: string }[];
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.t] ??= []).push(r.c);
  return out;
}

describe.skipIf(!postgresInstalled)('the migrations on PostgreSQL', () => {
  const database = postgresDatabases('postgres-schema.test');
  let db: Db;
  beforeAll(() => { db = database(migrations); });

  it('apply in order and give the tables and columns SQLite has, besides the partitioned rows of 0014 (less the shares\', which 0018 folded into their revisions)', () => {
    const sqlite = openDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
    const expected = sqliteColumns(sqlite);
    const actual = postgresColumns(db);
    expect(Object.fromEntries(Object.entries(actual).filter(([t]) => t in expected))).toEqual(expected);
    expect(Object.keys(actual).filter((t) => !(t in expected))).toEqual([
      'journal_entries_default', 'journal_line_rows', 'journal_line_rows_default',
      'settlement_line_rows', 'settlement_line_rows_default', 'settlement_revision_rows', 'settlement_revision_rows_default',
    ]);
    sqlite.close();
  });

  it('roll back with each down(), in reverse order, to an empty schema', () => {
    for (const m of [...migrations].reverse()) db.transaction(() => m.down(db))();
    expect(postgresColumns(db)).toEqual({});
  });
});
