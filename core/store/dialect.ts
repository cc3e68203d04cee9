// Which SQL a connection speaks. The PostgreSQL connection says so in its `dialect` property;
// a better-sqlite3 handle has none. SQL that differs by dialect branches on dialectOf(db).
import type { Db } from './db.js';
import type { Sqlite } from './sqlite.js';

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(db: Db): Dialect {
  return db.dialect === 'postgres' ? 'postgres' : 'sqlite';
}

/** True on a better-sqlite3 handle: guards SQLite-only calls (pragmas, `db.function`). */
export function isSqlite(db: Db): db is Sqlite {
  return dialectOf(db) === 'sqlite';
}

export interface ColumnInfo {
  name: string;
  /** Position in the primary key (1, 2, ...), 0 when not part of it. */
  pk: number;
}

/** The columns of a table in schema order: `PRAGMA table_info` on SQLite, the catalog on PostgreSQL. */
export function columnsOf(db: Db, table: string): ColumnInfo[] {
  if (isSqlite(db)) return db.pragma(`table_info(${JSON.stringify(table)})`) as ColumnInfo[];
  return db.prepare(`SELECT a.attname AS name, coalesce(array_position(i.indkey::int2[], a.attnum), 0) AS pk
    FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
    WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`).all(table) as ColumnInfo[];
}

/** The table option of the store's tables: SQLite checks column types only in STRICT tables. */
export function strictTable(db: Db): string {
  return isSqlite(db) ? ' STRICT' : '';
}
