// The one place that loads the SQLite driver. Everything else receives a `Sqlite` handle, so
// swapping in an encrypting build (better-sqlite3-multiple-ciphers) is a one-line change here.
import Database from 'better-sqlite3';

export type Sqlite = Database.Database;
export type SqliteOptions = Database.Options;

export function openSqlite(file: string, options: SqliteOptions = {}): Sqlite {
  return new Database(file, options);
}
