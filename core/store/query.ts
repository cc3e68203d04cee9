// Kysely as a typed query builder, executed synchronously on the connection (better-sqlite3, or
// the PostgreSQL connection of core/store/pg/), each query compiled in the connection's dialect.
//
// Kysely's SQLite dialect is asynchronous and holds one connection, so an awaited Kysely
// transaction would let other work slip into it. We compile Kysely queries and run them on
// the better-sqlite3 handle instead: every read and write is synchronous, and transactions are
// better-sqlite3's `db.transaction(fn)`, short and atomic (docs/decisions/0001-synchronous-store.md).
import {
  createQueryId,
  DummyDriver,
  Kysely,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type CompiledQuery,
  type OperationNodeSource,
  type RootOperationNode,
} from 'kysely';
import type { Db, DbStatement } from './db.js';
import { dialectOf } from './dialect.js';
import type { DB } from './schema.js';

export type QB = Kysely<DB>;
/** A row of a table named at run time (the replicated set): its columns are not known statically. */
export type AnyRow = Record<string, unknown>;
/**
 * The query builder for tables named at run time (replication walks the replicated set's
 * tables by name): the same builder, typed by no schema.
 */
export type DynamicQB = Kysely<Record<string, AnyRow>>;

export const qb: QB = new Kysely<DB>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

type Row<Q> = Q extends Compilable<infer R> ? R : never;

/** Prepared statements by SQL text, per connection: preparing costs more than running a small query. */
const statements = new WeakMap<Db, Map<string, DbStatement>>();
const MAX_CACHED = 500; // IN lists of many lengths: keep the cache bounded

const postgresCompiler = new PostgresQueryCompiler();

/** The query in the connection's SQL: the builder compiles SQLite's; PostgreSQL's from its operation tree. */
function compile(db: Db, query: Compilable<unknown>): CompiledQuery {
  if (dialectOf(db) === 'sqlite') return query.compile();
  const node = (query as unknown as OperationNodeSource).toOperationNode() as RootOperationNode;
  return postgresCompiler.compileQuery(node, createQueryId());
}

function prepare(db: Db, query: Compilable<unknown>) {
  const compiled = compile(db, query);
  return { stmt: sqlStatement(db, compiled.sql), params: compiled.parameters as unknown[] };
}

/**
 * A statement of the store written in SQL, prepared once per connection (the builder's cache):
 * for functions called once per row. Never `pluck()` it: the mode would stick to the shared statement.
 */
export function sqlStatement(db: Db, sql: string): DbStatement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) {
    if (cache.size >= MAX_CACHED) cache.clear();
    stmt = db.prepare(sql) as DbStatement;
    cache.set(sql, stmt);
  }
  return stmt;
}

/** All rows of a SELECT (or a statement with RETURNING). */
export function all<Q extends Compilable<unknown>>(db: Db, query: Q): Row<Q>[] {
  const { stmt, params } = prepare(db, query);
  return stmt.all(...params) as Row<Q>[];
}

/** The first row, or undefined. */
export function first<Q extends Compilable<unknown>>(db: Db, query: Q): Row<Q> | undefined {
  const { stmt, params } = prepare(db, query);
  return stmt.get(...params) as Row<Q> | undefined;
}

/** Runs an INSERT, UPDATE or DELETE; returns the number of rows changed. */
export function run(db: Db, query: Compilable<unknown>): number {
  const { stmt, params } = prepare(db, query);
  return stmt.run(...params).changes;
}

/**
 * The prepared statement of a query built with Kysely, for loops that run it many times with
 * other values: pass them in the order the builder placed its parameters. Compiling a query
 * costs far more than running a small one.
 */
export function statement(db: Db, query: Compilable<unknown>): DbStatement {
  return prepare(db, query).stmt;
}

const named = new WeakMap<Db, Map<string, DbStatement>>();

/** `statement`, built once per connection under a name: for functions called once per row. */
export function namedStatement(db: Db, name: string, build: () => Compilable<unknown>): DbStatement {
  let m = named.get(db);
  if (!m) named.set(db, (m = new Map()));
  let stmt = m.get(name);
  if (!stmt) m.set(name, (stmt = statement(db, build())));
  return stmt;
}

export const dynamicQb = qb as unknown as DynamicQB;
