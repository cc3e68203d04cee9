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
