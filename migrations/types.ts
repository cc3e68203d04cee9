// A migration is a numbered, named step that changes the schema. Each runs inside one
// better-sqlite3 transaction together with its row in `schema_migrations`, so a failed
// migration leaves the database exactly as it was.
import type { Sqlite } from '../core/store/sqlite.js';

export interface Migration {
  /** `NNNN_name`, unique and ordered. */
  name: string;
  up(db: Sqlite): void;
  down(db: Sqlite): void;
}
