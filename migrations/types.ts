// A migration is a numbered, named step that changes the schema. Each runs inside one
// transaction together with its row in `schema_migrations`, so a failed migration leaves the
// database exactly as it was.
//
// `up(db)`/`down(db)` receive either connection: better-sqlite3 or the PostgreSQL one
// (core/store/db.ts). They branch on `dialectOf(db)` (core/store/dialect.ts) where the DDL
// differs, and use only `db.exec(sql)` and `db.prepare(sql).run/all/get(...)` with `?`
// placeholders. SQLite-only calls (`db.function`, pragmas) go behind `isSqlite(db)`.
import type { Db } from '../core/store/db.js';

export interface Migration {
  /** `NNNN_name`, unique and ordered. */
  name: string;
  up(db: Db): void;
  down(db: Db): void;
}
