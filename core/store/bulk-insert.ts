// Multi-row INSERT for the posting run's tables: one statement per ROWS rows instead of one per
// row (docs/performance.md, Books), which roughly halves the cost of writing narrow rows through
// better-sqlite3. Statements are prepared once per connection and row count.
// On PostgreSQL a chunk is `INSERT ... SELECT * FROM unnest($1::type[], ...)`: one array per
// column, so a statement has as many parameters as columns whatever its rows, and nothing to
// parse per row (1.8 times the rate of multi-row VALUES: docs/decisions/0013-postgresql.md).
import type { Db, DbStatement } from './db.js';
import { columnsOf, isSqlite } from './dialect.js';

/** Rows per full statement; with the widest table (21 columns) well under SQLite's 32,766 variables. */
const ROWS = 64;
/** Rows per statement on PostgreSQL (arrays have no parameter limit; the measured chunk). */
const PG_ROWS = 5000;

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

/** The PostgreSQL statement of `head` (`INSERT INTO t (c1, ..., cN) VALUES`): columns as typed arrays. */
function unnestStatementFor(db: Db, head: string, tail: string): DbStatement {
  let cache = prepared.get(db);
  if (!cache) prepared.set(db, (cache = new Map()));
  const key = `unnest\u0000${head}\u0000${tail}`;
  let stmt = cache.get(key);
  if (!stmt) {
    const m = /^\s*INSERT INTO (\w+) \(([^)]*)\) VALUES\s*$/.exec(head);
    if (!m) throw new Error(`bulk insert: not of the form INSERT INTO t (columns) VALUES: ${head}`);
    const types = new Map(columnsOf(db, m[1]!).map((c) => [c.name, c.type]));
    const arrays = m[2]!.split(',').map((c) => {
      const type = types.get(c.trim());
      if (!type) throw new Error(`bulk insert: ${m[1]} has no column ${c.trim()}`);
      return `?::${type}[]`;
    });
    stmt = db.prepare(`INSERT INTO ${m[1]} (${m[2]}) SELECT * FROM unnest(${arrays.join(', ')}) ${tail}`);
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
 * `head` is `INSERT INTO t (c1, ..., cN) VALUES`, `tail` an optional ON CONFLICT clause;
 * `sqliteRows` the rows per statement on SQLite, where that is measured better than 64. Rows are
 * written in the order they were added. `before` runs before each write: a child table's
 * inserter flushes its parent's first, so that foreign keys always find their row.
 */
export function bulkInsert(db: Db, head: string, width: number, opts: { tail?: string; before?: () => void; sqliteRows?: number } = {}): BulkInsert {
  const tail = opts.tail ?? '';
  const values: unknown[] = [];
  const sqlite = isSqlite(db);
  const perStatement = sqlite ? opts.sqliteRows ?? ROWS : PG_ROWS;
  const full = perStatement * width;
  let fullStatement: DbStatement | null = null;
  const write = () => {
    opts.before?.();
    if (sqlite) {
      const rows = values.length / width;
      (rows === perStatement ? (fullStatement ??= statementFor(db, head, width, tail, rows)) : statementFor(db, head, width, tail, rows)).run(values);
    } else {
      const columns = Array.from({ length: width }, () => new Array<unknown>(values.length / width));
      for (let i = 0; i < values.length; i++) columns[i % width]![Math.floor(i / width)] = values[i];
      unnestStatementFor(db, head, tail).run(columns);
    }
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
