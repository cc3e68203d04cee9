// Multi-row INSERT for the posting run's tables: one statement per ROWS rows instead of one per
// row (docs/performance.md, Books), which roughly halves the cost of writing narrow rows through
// better-sqlite3. Statements are prepared once per connection and row count.
import type { Db, DbStatement } from './db.js';

/** Rows per full statement; with the widest table (21 columns) well under SQLite's 32,766 variables. */
const ROWS = 64;

const prepared = new WeakMap<Db, Map<string, DbStatement>>();

function statementFor(db: Db, head: string, width: number, tail: string, rows: number): DbStatement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  const key = `${rows}\u0000${head}\u0000${tail}`;
  let stmt = cache.get(key);
  if (!stmt) {
    const row = `(${new Array<string>(width).fill('?').join(', ')})`;
    stmt = db.prepare(`${head} ${new Array<string>(rows).fill(row).join(', ')} ${tail}`) as DbStatement;
    cache.set(key, stmt);
  }
  return stmt;
}

export interface BulkInsert {
  /** Queues a row of `width` values; a full statement's worth is written at once. */
  add(row: readonly unknown[]): void;
  /** Writes what is queued. Call it before anything reads the table, and before the transaction ends. */
  flush(): void;
}

/**
 * `head` is `INSERT INTO t (c1, ..., cN) VALUES`, `tail` an optional ON CONFLICT clause. Rows are
 * written in the order they were added. `before` runs before each write: a child table's
 * inserter flushes its parent's first, so that foreign keys always find their row.
 */
export function bulkInsert(db: Db, head: string, width: number, opts: { tail?: string; before?: () => void } = {}): BulkInsert {
  const tail = opts.tail ?? '';
  const values: unknown[] = [];
  const full = ROWS * width;
  const write = () => {
    opts.before?.();
    statementFor(db, head, width, tail, values.length / width).run(values);
    values.length = 0;
  };
  return {
    add(row) {
      if (row.length !== width) throw new Error(`bulk insert: ${row.length} values for ${width} columns (${head})`);
      for (let i = 0; i < width; i++) values.push(row[i]);
      if (values.length === full) write();
    },
    flush() {
      if (values.length > 0) write();
    },
  };
}
