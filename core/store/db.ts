// The database handle the store works on: the subset of better-sqlite3's API the store uses,
// which both a better-sqlite3 connection and the PostgreSQL connection (core/store/pg/)
// provide. Code that only makes sense on SQLite (encryption, pragmas, VACUUM INTO) keeps the
// `Db` type of ./sqlite.ts; everything that runs on either database takes a `Db`.
import type { Dialect } from './dialect.js';

export interface DbRunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/** A prepared statement. Parameters: `?` in order, or one object for `@name`/`:name`/`$name`. */
export interface DbStatement<Result = unknown> {
  run(...params: unknown[]): DbRunResult;
  get(...params: unknown[]): Result | undefined;
  all(...params: unknown[]): Result[];
  iterate(...params: unknown[]): IterableIterator<Result>;
  /** Rows as their first column's value. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays of values, in column order. */
  raw(toggle?: boolean): this;
  /**
   * Runs the statement without waiting for it, where the connection can (PostgreSQL inside a
   * transaction: the bridge pipelines it behind the statements before it). Its failure is thrown
   * by a later statement, the end of the enclosing savepoint or the commit, and aborts the
   * transaction as any failure does. Absent on SQLite, where `run` is used.
   */
  send?(...params: unknown[]): void;
}

// better-sqlite3 types its transaction functions with `any` arguments; so does this interface.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;
type Args<F extends AnyFunction> = F extends (...args: infer A) => unknown ? A : never;

/** `db.transaction(fn)`: calling it runs fn in a transaction (a savepoint when nested). */
export interface DbTransaction<F extends AnyFunction> {
  (...args: Args<F>): ReturnType<F>;
  deferred(...args: Args<F>): ReturnType<F>;
  immediate(...args: Args<F>): ReturnType<F>;
  exclusive(...args: Args<F>): ReturnType<F>;
}

export interface Db {
  /** 'postgres' on the PostgreSQL connection; absent on better-sqlite3 (see dialectOf). */
  readonly dialect?: Dialect;
  readonly inTransaction: boolean;
  prepare(sql: string): DbStatement;
  /** Runs one or more statements separated by semicolons, without parameters. */
  exec(sql: string): unknown;
  transaction<F extends AnyFunction>(fn: F): DbTransaction<F>;
  close(): unknown;
}
