// Multi-row INSERT for the posting run's tables: one statement per ROWS rows instead of one per
// row (docs/performance.md, Books), which roughly halves the cost of writing narrow rows through
// better-sqlite3. Statements are prepared once per connection and row count.
// On PostgreSQL a chunk is `INSERT ... SELECT * FROM unnest($1::type[], ...)`: one array per
// column, so a statement has as many parameters as columns whatever its rows, and nothing to
// parse per row (1.8 times the rate of multi-row VALUES: docs/decisions/0013-postgresql.md).
// A chunk that holds one key twice: SQLite applies an ON CONFLICT clause row by row, PostgreSQL
// refuses a DO UPDATE that would touch a row twice in one statement ("ON CONFLICT DO UPDATE
// command cannot affect row a second time"). So on PostgreSQL the rows of a key are merged
// before the statement when the rule is stated (`accumulate`: sums and maxima, the clause then
// written from it here, once for both dialects), or else written in rounds, one row per key per
// statement, which is what row by row means.
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
    const { table, columns } = headOf(head);
    const types = new Map(columnsOf(db, table).map((c) => [c.name, c.type]));
    const arrays = columns.map((c) => {
      const type = types.get(c);
      if (!type) throw new Error(`bulk insert: ${table} has no column ${c}`);
      return `?::${type}[]`;
    });
    stmt = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')}) ${tail}`);
    cache.set(key, stmt);
  }
  return stmt;
}

/** An upsert whose update adds the new row to the stored one: its ON CONFLICT clause and, on PostgreSQL, its merge. */
export interface Accumulate {
  /** The conflict target: the columns of the table's primary key or of a unique index. */
  key: readonly string[];
  /** Columns whose new value is added to the stored one. */
  add: readonly string[];
  /** Columns that keep the greater of the stored and the new value, NULL being the least. */
  max?: readonly string[];
}

const headPattern = /^\s*INSERT INTO (\w+) \(([^)]*)\) VALUES\s*$/;

function headOf(head: string): { table: string; columns: string[] } {
  const m = headPattern.exec(head);
  if (!m) throw new Error(`bulk insert: not of the form INSERT INTO t (columns) VALUES: ${head}`);
  return { table: m[1]!, columns: m[2]!.split(',').map((c) => c.trim()) };
}

/** The ON CONFLICT clause of an accumulating upsert (the same SQL on both dialects). */
function accumulateTail(table: string, a: Accumulate): string {
  const set = [
    ...a.add.map((c) => `${c} = ${table}.${c} + excluded.${c}`),
    ...(a.max ?? []).map((c) => `${c} = CASE WHEN excluded.${c} IS NULL OR ${table}.${c} >= excluded.${c} THEN ${table}.${c} ELSE excluded.${c} END`),
  ];
  return `ON CONFLICT (${a.key.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}

/** The conflict target's columns of a DO UPDATE clause, or null (no clause, or DO NOTHING, which may meet a key twice). */
function updateKey(tail: string): string[] | null {
  if (!/\bDO\s+UPDATE\b/i.test(tail)) return null;
  const m = /ON\s+CONFLICT\s*\(([^)]*)\)/i.exec(tail);
  if (!m) throw new Error(`bulk insert: an ON CONFLICT ... DO UPDATE clause names its conflict columns: ${tail}`);
  return m[1]!.split(',').map((c) => c.trim());
}

/** Rows whose key holds a NULL never conflict (NULLs are distinct in a unique index, on both dialects). */
function keyText(row: readonly unknown[], key: readonly number[]): string | null {
  let text = '';
  for (const i of key) {
    const v = row[i];
    if (v === null || v === undefined) return null;
    text += `${typeof v}:${String(v)}\u0000`;
  }
  return text;
}

const greater = (a: unknown, b: unknown) => (b === null || b === undefined || (a !== null && a !== undefined && (a as number) >= (b as number)) ? a : b);

/**
 * The rows of a chunk with one row per key: rows of the same key merged into the first
 * (`add` summed, `max` kept greatest), in the order of their first row.
 */
export function mergeRows(rows: unknown[][], key: readonly number[], add: readonly number[], max: readonly number[]): unknown[][] {
  const first = new Map<string, unknown[]>();
  const out: unknown[][] = [];
  for (const row of rows) {
    const k = keyText(row, key);
    const into = k === null ? undefined : first.get(k);
    if (!into) {
      const copy = row.slice();
      if (k !== null) first.set(k, copy);
      out.push(copy);
      continue;
    }
    for (const i of add) {
      const a = into[i];
      const b = row[i];
      into[i] = a === null || a === undefined || b === null || b === undefined ? null : (a as number) + (b as number);
    }
    for (const i of max) into[i] = greater(into[i], row[i]);
  }
  return out;
}

/** The rows of a chunk in rounds with one row per key each, a key's rows in their order. */
export function roundsOf(rows: unknown[][], key: readonly number[]): unknown[][][] {
  const seen = new Map<string, number>();
  const rounds: unknown[][][] = [];
  for (const row of rows) {
    const k = keyText(row, key);
    const n = k === null ? 0 : seen.get(k) ?? 0;
    if (k !== null) seen.set(k, n + 1);
    (rounds[n] ??= []).push(row);
  }
  return rounds;
}

/**
 * A chunk's statement, not waiting for PostgreSQL's answer where it can (`send`: pipelined by the
 * bridge inside a transaction), so the next chunk is built while the server inserts this one.
 */
function runPipelined(stmt: DbStatement, columnArrays: unknown[][]): void {
  if (stmt.send) stmt.send(columnArrays);
  else stmt.run(columnArrays);
}

export interface BulkInsert {
  /** Queues a row of `width` values; a full statement's worth is written at once. */
  add(row: readonly unknown[]): void;
  /** Queues the row `a`, `b`, then `rest`'s values (a key before computed values) without building it: a run queues millions. */
  addAfter(a: unknown, b: unknown, rest: readonly unknown[]): void;
  /** Writes what is queued. Call it before anything reads the table, and before the transaction ends. */
  flush(): void;
}

/**
 * `head` is `INSERT INTO t (c1, ..., cN) VALUES`, `tail` an optional ON CONFLICT clause, or
 * `accumulate` an upsert that adds to the stored row (the clause is written from it);
 * `sqliteRows` the rows per statement on SQLite, where that is measured better than 64. Rows are
 * written in the order they were added (on PostgreSQL, a chunk that holds a key of a DO UPDATE
 * twice: merged into its first row, or written in rounds). `before` runs before each write: a
 * child table's inserter flushes its parent's first, so that foreign keys always find their row.
 */
export function bulkInsert(db: Db, head: string, width: number,
  opts: { tail?: string; accumulate?: Accumulate; before?: () => void; sqliteRows?: number } = {}): BulkInsert {
  const { table, columns } = headOf(head);
  if (columns.length !== width) throw new Error(`bulk insert: ${columns.length} columns for width ${width} (${head})`);
  if (opts.tail && opts.accumulate) throw new Error(`bulk insert: a tail or an accumulate clause, not both (${head})`);
  const indexOf = (c: string) => {
    const i = columns.indexOf(c);
    if (i < 0) throw new Error(`bulk insert: ${c} is not a column of ${head}`);
    return i;
  };
  const tail = opts.accumulate ? accumulateTail(table, opts.accumulate) : opts.tail ?? '';
  const conflictKey = updateKey(tail)?.map(indexOf) ?? null;
  let merge: { add: number[]; max: number[] } | null = null;
  if (opts.accumulate) {
    const a = opts.accumulate;
    merge = { add: a.add.map(indexOf), max: (a.max ?? []).map(indexOf) };
    const stated = new Set([...a.key, ...a.add, ...(a.max ?? [])]);
    const loose = columns.filter((c) => !stated.has(c));
    if (loose.length > 0) throw new Error(`bulk insert: accumulate says neither how to merge nor whether a key: ${loose.join(', ')} (${head})`);
  }
  // Reused from statement to statement (`n` values queued): emptying it would free its storage,
  // and refilling regrow it, a few allocations per row for one-row statements.
  const values: unknown[] = [];
  let n = 0;
  const sqlite = isSqlite(db);
  const perStatement = sqlite ? opts.sqliteRows ?? ROWS : PG_ROWS;
  const full = perStatement * width;
  let fullStatement: DbStatement | null = null;
  const writePg = (rows: unknown[][]) => {
    const columnArrays = Array.from({ length: width }, (_, c) => rows.map((r) => r[c]));
    runPipelined(unnestStatementFor(db, head, tail), columnArrays);
  };
  const write = () => {
    opts.before?.();
    if (sqlite) {
      // The statement binds the whole array: only the queued values.
      const queued = n === values.length ? values : values.slice(0, n);
      const rows = n / width;
      (rows === perStatement ? (fullStatement ??= statementFor(db, head, width, tail, rows)) : statementFor(db, head, width, tail, rows)).run(queued);
    } else if (conflictKey) {
      const rows: unknown[][] = [];
      for (let i = 0; i < n; i += width) rows.push(values.slice(i, i + width));
      if (merge) writePg(mergeRows(rows, conflictKey, merge.add, merge.max));
      else for (const round of roundsOf(rows, conflictKey)) writePg(round);
    } else {
      const columnArrays = Array.from({ length: width }, () => new Array<unknown>(n / width));
      for (let i = 0; i < n; i++) columnArrays[i % width]![Math.floor(i / width)] = values[i];
      runPipelined(unnestStatementFor(db, head, tail), columnArrays);
    }
    n = 0; // after the statement: one that throws leaves its rows queued, as before
  };
  return {
    add(row) {
      if (row.length !== width) throw new Error(`bulk insert: ${row.length} values for ${width} columns (${head})`);
      for (let i = 0; i < width; i++) values[n++] = row[i];
      if (n === full) write();
    },
    addAfter(a, b, rest) {
      if (rest.length !== width - 2) throw new Error(`bulk insert: ${rest.length + 2} values for ${width} columns (${head})`);
      values[n++] = a;
      values[n++] = b;
      for (let i = 0; i < rest.length; i++) values[n++] = rest[i];
      if (n === full) write();
    },
    flush() {
      if (n > 0) write();
    },
  };
}
