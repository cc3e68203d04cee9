// The PostgreSQL connection behind the store's `Db` interface (core/store/db.ts): the part of
// better-sqlite3's API the store uses, over the synchronous bridge (sync-pg.ts), so the same
// repositories and handlers run on either database (docs/decisions/0013-postgresql.md).
// - Placeholders: `?` in order, or `@name`/`:name`/`$name` from an object argument, become
//   `$1, $2, ...` (`$n` already there is kept); each SQL text is translated once.
// - Rows look like SQLite's: bigint and numeric as numbers, booleans as 1/0, dates and JSON as
//   text (type parsers in pg-worker.mjs).
// - `transaction(fn)` is BEGIN/COMMIT, nested calls SAVEPOINTs, as in better-sqlite3 (also inside
//   a transaction the caller opened with `exec('BEGIN')`). A statement
//   that fails inside a transaction aborts it on PostgreSQL even if the caller catches the
//   error, so the commit then throws that failure instead of committing part of the work.
//   Serialization failures and deadlocks of an outermost transaction run it again (a few times).
// - VENTIL_PG_DEBUG=1 prints each failing statement's SQL to stderr (porting the store's SQL).
import type { Db, DbRunResult, DbStatement, DbTransaction } from '../db.js';
import { PgError, SyncPg } from './sync-pg.js';

interface Translated {
  text: string;
  /** Per `$n`: the index of the positional argument, or the name of the named one. */
  slots: (number | string)[];
}

const translations = new Map<string, Translated>();
const MAX_TRANSLATIONS = 2000;

const isWordStart = (c: string | undefined) => c !== undefined && /[A-Za-z_]/.test(c);
const isWord = (c: string | undefined) => c !== undefined && /\w/.test(c);

/** SQLite-style placeholders to PostgreSQL's `$n`, skipping strings, identifiers and comments. */
export function translatePlaceholders(sql: string): Translated {
  const cached = translations.get(sql);
  if (cached) return cached;
  let text = '';
  const slots: (number | string)[] = [];
  const byName = new Map<string, number>();
  let positional = 0;
  let i = 0;
  const copyUntil = (end: string, from: number) => {
    const j = sql.indexOf(end, from);
    const stop = j < 0 ? sql.length : j + end.length;
    text += sql.slice(i, stop);
    i = stop;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') { copyUntil(c, i + 1); continue; }
    if (c === '-' && next === '-') { copyUntil('\n', i); continue; }
    if (c === '/' && next === '*') { copyUntil('*/', i + 2); continue; }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i));
      if (tag) { text += tag[0]; i += tag[0].length; copyUntil(tag[0], i); continue; }
    }
    if (c === '$' && /\d/.test(next ?? '')) {
      // Already PostgreSQL's (a query compiled by Kysely's PostgreSQL compiler): `$n` is the nth argument.
      let j = i + 1;
      while (/\d/.test(sql[j] ?? '')) j++;
      const n = Number(sql.slice(i + 1, j));
      while (slots.length < n) slots.push(slots.length);
      text += sql.slice(i, j);
      i = j;
      continue;
    }
    if (c === '?') {
      slots.push(positional++);
      text += `$${slots.length}`;
      i++;
      continue;
    }
    const named = (c === '@' || c === '$' || (c === ':' && sql[i - 1] !== ':' && next !== ':')) && isWordStart(next);
    if (named) {
      let j = i + 1;
      while (isWord(sql[j])) j++;
      const name = sql.slice(i + 1, j);
      let n = byName.get(name);
      if (n === undefined) {
        slots.push(name);
        byName.set(name, (n = slots.length));
      }
      text += `$${n}`;
      i = j;
      continue;
    }
    text += c;
    i++;
  }
  const t = { text, slots };
  if (translations.size >= MAX_TRANSLATIONS) translations.clear();
  translations.set(sql, t);
  return t;
}

const isNamedObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date);

/** The `$n` values of a translated statement from better-sqlite3-style arguments. */
function bind(t: Translated, args: unknown[]): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> = {};
  for (const a of args) {
    if (Array.isArray(a)) positional.push(...(a as unknown[]));
    else if (isNamedObject(a)) named = a;
    else positional.push(a);
  }
  return t.slots.map((s) => {
    if (typeof s === 'number') {
      if (s >= positional.length) throw new RangeError('Too few parameter values were provided');
      return positional[s];
    }
    if (!(s in named)) throw new RangeError(`Missing named parameter "${s}"`);
    return named[s];
  });
}

class PgStatement implements DbStatement {
  private mode: 'object' | 'pluck' | 'raw' = 'object';
  private readonly translated: Translated;

  constructor(private readonly db: PgDatabase, readonly source: string) {
    this.translated = translatePlaceholders(source);
  }

  pluck(toggle = true): this {
    this.mode = toggle ? 'pluck' : this.mode === 'pluck' ? 'object' : this.mode;
    return this;
  }

  raw(toggle = true): this {
    this.mode = toggle ? 'raw' : this.mode === 'raw' ? 'object' : this.mode;
    return this;
  }

  all(...args: unknown[]): unknown[] {
    const params = bind(this.translated, args);
    if (this.mode === 'object') return this.db.query(this.translated.text, params);
    const rows = this.db.query<unknown[]>(this.translated.text, params, 'array');
    return this.mode === 'pluck' ? rows.map((r) => r[0]) : rows;
  }

  get(...args: unknown[]): unknown {
    return this.all(...args)[0];
  }

  /** Rows from a server-side cursor, a batch at a time: a large export does not hold every row. */
  *iterate(...args: unknown[]): IterableIterator<unknown> {
    const params = bind(this.translated, args);
    if (this.mode === 'object') { yield* this.db.cursor(this.translated.text, params); return; }
    for (const r of this.db.cursor<unknown[]>(this.translated.text, params, 'array')) yield this.mode === 'pluck' ? r[0] : r;
  }

  run(...args: unknown[]): DbRunResult {
    return { changes: this.db.execute(this.translated.text, bind(this.translated, args)) };
  }

  send(...args: unknown[]): void {
    this.db.sendWithoutWaiting(this.translated.text, bind(this.translated, args));
  }
}

/** SQL that starts with BEGIN (or START TRANSACTION), and SQL whose last statement ends the transaction. */
const OPENS_TRANSACTION = /^\s*(?:BEGIN|START\s+TRANSACTION)\b/i;
const ENDS_TRANSACTION = /(?:^|;)\s*(COMMIT|END|ROLLBACK)(?:\s+(?:WORK|TRANSACTION))?\s*;?\s*$/i;

/** SQLSTATEs after which the whole transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);
/** Rows per FETCH of an iterated statement's cursor. */
export const CURSOR_BATCH = 2000;
const MAX_ATTEMPTS = 5;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

export class PgDatabase implements Db {
  readonly dialect = 'postgres' as const;
  private readonly pg: SyncPg;
  private depth = 0;
  /** The failure that aborted the current transaction (PostgreSQL refuses everything after it). */
  private abortedBy: PgError | null = null;
  /** A transaction opened by `exec('BEGIN')`, ended by `exec('COMMIT')` or `exec('ROLLBACK')`. */
  private manual = false;
  private open = true;
  /** Statements sent without waiting so far (sendWithoutWaiting): a savepoint that sent some waits for them before its end. */
  private sent = 0;
  private cursors = 0;
  /** Counts outermost transactions: a cursor declared in one is gone once it ends. */
  private transactions = 0;

  constructor(readonly url: string) {
    this.pg = new SyncPg(url);
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare(sql: string): DbStatement {
    return new PgStatement(this, sql);
  }

  /**
   * Runs statements without parameters. A transaction the caller opens here (`BEGIN`, as
   * better-sqlite3's callers write it) counts as one: `inTransaction` is true and
   * `transaction(fn)` inside it takes a savepoint, so the caller's `ROLLBACK` undoes that work too,
   * as on SQLite, instead of a nested BEGIN/COMMIT committing it.
   */
  exec(sql: string): this {
    const last = ENDS_TRANSACTION.exec(sql);
    const opens = this.depth === 0 && OPENS_TRANSACTION.test(sql) && !last;
    const ends = this.manual ? last : null;
    try {
      this.guard(sql, () => this.pg.run(sql));
    } catch (e) {
      if (ends) this.endManual();
      throw e;
    }
    if (opens) {
      this.transactions++;
      this.depth = 1;
      this.manual = true;
      this.abortedBy = null;
    }
    if (ends) {
      const failure = this.abortedBy;
      this.endManual();
      // PostgreSQL answers COMMIT of a failed transaction with a rollback, not an error.
      if (failure && ends[1]!.toUpperCase() !== 'ROLLBACK') throw failure;
    }
    return this;
  }

  private endManual(): void {
    this.depth = 0;
    this.manual = false;
    this.abortedBy = null;
  }

  /** Rows of a statement with `$n` placeholders (the store's own PostgreSQL-only SQL). */
  query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], rowMode?: 'array'): Row[] {
    return this.guard(sql, () => this.pg.query<Row>(sql, params, rowMode));
  }

  /** Runs a statement with `$n` placeholders; returns the rows it changed. */
  execute(sql: string, params: readonly unknown[] = []): number {
    return this.guard(sql, () => this.pg.run(sql, params));
  }

  /**
   * Runs a statement with `$n` placeholders without waiting for its answer, inside a transaction
   * (outside one it waits: a failure must reach its caller). The bridge pipelines it, so the
   * caller prepares what comes next while the server works; a failure is thrown by the next
   * statement that waits (and aborts the transaction), at the latest by the savepoint's end or
   * the commit.
   */
  sendWithoutWaiting(sql: string, params: readonly unknown[] = []): void {
    if (this.depth === 0) { this.execute(sql, params); return; }
    this.guard(sql, () => this.pg.send(sql, params));
    this.sent++;
  }

  /**
   * The rows of a query through a server-side cursor, CURSOR_BATCH rows per FETCH. Inside a
   * transaction the cursor is the transaction's; outside one it is WITH HOLD (the server keeps
   * the result, not this process). Closed when the iteration ends or is left.
   */
  *cursor<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], rowMode?: 'array'): Generator<Row, void, undefined> {
    const name = `ventil_cursor_${++this.cursors}`;
    const hold = this.depth === 0;
    const tx = this.transactions;
    this.execute(`DECLARE ${name} NO SCROLL CURSOR${hold ? ' WITH HOLD' : ''} FOR ${sql}`, params);
    let done = false;
    try {
      for (;;) {
        const rows = this.query<Row>(`FETCH ${CURSOR_BATCH} FROM ${name}`, [], rowMode);
        yield* rows;
        if (rows.length < CURSOR_BATCH) break;
      }
      done = true;
    } finally {
      // A transaction's cursor ends with it; closing it after a failure would fail again.
      const alive = hold ? this.open : this.depth > 0 && this.transactions === tx && !this.abortedBy;
      if (alive) {
        if (done) this.execute(`CLOSE ${name}`);
        else try { this.execute(`CLOSE ${name}`); } catch { /* the iteration's own failure is the one reported */ }
      }
    }
  }

  transaction<F extends AnyFunction>(fn: F): DbTransaction<F> {
    const call = (...args: Parameters<F>) => this.inTx(() => fn(...args) as ReturnType<F>);
    return Object.assign(call, { deferred: call, immediate: call, exclusive: call }) as unknown as DbTransaction<F>;
  }

  close(): this {
    if (this.open) {
      this.open = false;
      this.pg.close();
    }
    return this;
  }

  private guard<T>(sql: string, work: () => T): T {
    try {
      return work();
    } catch (e) {
      if (e instanceof PgError && this.depth > 0) this.abortedBy ??= e;
      if (process.env.VENTIL_PG_DEBUG) process.stderr.write(`PostgreSQL refused: ${(e as Error).message}\n${sql}\n`);
      throw e;
    }
  }

  private inTx<T>(fn: () => T): T {
    if (this.depth > 0) return this.inSavepoint(fn);
    for (let attempt = 1; ; attempt++) {
      this.depth = 1;
      this.transactions++;
      this.abortedBy = null;
      try {
        this.pg.send('BEGIN');
        const result = fn();
        if (this.abortedBy) throw this.abortedBy;
        this.pg.run('COMMIT');
        return result;
      } catch (e) {
        try { this.pg.sync(); } catch { /* the first failure is the one to report */ }
        this.pg.run('ROLLBACK');
        const code = (e as { code?: unknown }).code;
        if (!(e instanceof PgError && RETRYABLE.has(code as string) && attempt < MAX_ATTEMPTS)) throw e;
      } finally {
        this.depth = 0;
        this.abortedBy = null;
      }
    }
  }

  private inSavepoint<T>(fn: () => T): T {
    const name = `ventil_sp${this.depth}`;
    const abortedBefore = this.abortedBy;
    const sentBefore = this.sent;
    this.pg.send(`SAVEPOINT ${name}`);
    this.depth++;
    try {
      const result = fn();
      // What fn sent without waiting belongs to the savepoint: its failure rolls the savepoint back.
      if (this.sent !== sentBefore) this.pg.sync();
      if (this.abortedBy && this.abortedBy !== abortedBefore) throw this.abortedBy;
      this.pg.send(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (e) {
      try { this.pg.sync(); } catch { /* reported below */ }
      this.pg.run(`ROLLBACK TO SAVEPOINT ${name}`);
      this.pg.send(`RELEASE SAVEPOINT ${name}`);
      this.abortedBy = abortedBefore;
      throw e;
    } finally {
      this.depth--;
    }
  }
}
