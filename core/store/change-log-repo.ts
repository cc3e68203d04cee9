// The hub's change log (docs/decisions/0009-network-replication.md). The change triggers mark
// documents dirty in the same transaction as the change (core/store/change-triggers.ts);
// `sealChanges` then gives each dirty document the next sequence number and writes one log row
// per scope tag, so that a pull is a range scan of (tag, seq) per tag of the device's scope.
// Sealing runs before every pull (and may run at any time): a document dirtied by a transaction
// is sealed with everything else that transaction dirtied, since a seal reads committed rows only.
import { docTags } from './doc-tags.js';
import { all, first, qb, statement } from './query.js';
import type { Db, DbStatement } from './db.js';
import { columnsOf, isSqlite } from './dialect.js';
import { ROWS_OF_VIEW } from './partitions.js';

/** Documents sealed per transaction: a large settlement is sealed in several short ones. */
const SEAL_BATCH = 2000;

export interface LogRow { seq: number; tag: string; kind: string; key: string; live: number }

/** The highest sequence number in the log (0 when empty). */
export function headSeq(db: Db): number {
  return first(db, qb.selectFrom('change_log').select((eb) => eb.fn.max('seq').as('seq')))?.seq ?? 0;
}

export function dirtyCount(db: Db): number {
  return Number(first(db, qb.selectFrom('change_dirty').select((eb) => eb.fn.countAll().as('n')))?.n ?? 0);
}

function hasDirty(db: Db): boolean {
  return first(db, qb.selectFrom('change_dirty').select('kind').limit(1)) !== undefined;
}

/** Seals one batch of dirty documents; returns how many. Runs in the caller's transaction. */
function sealBatch(db: Db): number {
  const dirty = all(db, qb.selectFrom('change_dirty').select(['kind', 'key']).orderBy('kind').orderBy('key').limit(SEAL_BATCH));
  if (dirty.length === 0) return 0;
  const byKind = new Map<string, string[]>();
  for (const d of dirty) {
    let l = byKind.get(d.kind);
    if (!l) byKind.set(d.kind, (l = []));
    l.push(d.key);
  }
  let seq = headSeq(db);
  const upsert = statement(db, qb.insertInto('change_log').values({ tag: '', seq: 0, kind: '', key: '', live: 0 })
    .onConflict((oc) => oc.columns(['kind', 'key', 'tag']).doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), live: eb.ref('excluded.live') }))));
  const clean = statement(db, qb.deleteFrom('change_dirty').where('kind', '=', '').where('key', '=', ''));
  for (const [kind, keys] of byKind) {
    const now = docTags(db, kind, keys);
    const before = new Map<string, string[]>();
    for (let i = 0; i < keys.length; i += 500) {
      for (const r of all(db, qb.selectFrom('change_log').select(['key', 'tag']).where('kind', '=', kind).where('key', 'in', keys.slice(i, i + 500)))) {
        let l = before.get(r.key);
        if (!l) before.set(r.key, (l = []));
        l.push(r.tag);
      }
    }
    for (const key of keys) {
      const live = now.get(key) ?? new Set<string>();
      const left = (before.get(key) ?? []).filter((t) => !live.has(t));
      if (live.size === 0 && left.length === 0) continue; // never replicated: nothing to tell anyone
      seq++;
      const rows = [...[...live].map((tag) => ({ tag, live: 1 })), ...left.map((tag) => ({ tag, live: 0 }))];
      for (const r of rows) upsert.run(r.tag, seq, kind, key, r.live);
    }
  }
  for (const d of dirty) clean.run(d.kind, d.key);
  return dirty.length;
}

export interface SealResult { sealed: number; busy: boolean }

/**
 * Seals every dirty document, in short transactions. With `wait: false` it gives up at once
 * when another connection holds the write lock (a pull then serves what is sealed so far).
 */
export function sealChanges(db: Db, opts: { wait?: boolean } = {}): SealResult {
  let sealed = 0;
  if (!hasDirty(db)) return { sealed, busy: false };
  // SQLite locks the whole database for a writer; PostgreSQL locks rows, so it just waits.
  const sqlite = isSqlite(db) ? db : null;
  const previous = sqlite?.pragma('busy_timeout', { simple: true }) as number;
  if (opts.wait === false) sqlite?.pragma('busy_timeout = 0');
  try {
    for (;;) {
      const n = db.transaction(() => sealBatch(db)).immediate();
      sealed += n;
      if (n < SEAL_BATCH) return { sealed, busy: false };
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return { sealed, busy: true };
    throw e;
  } finally {
    if (opts.wait === false) sqlite?.pragma(`busy_timeout = ${previous}`);
  }
}

export interface Candidates {
  /** Log rows of the next documents after `from`, every tag row of each, in seq order. */
  rows: LogRow[];
  /** True when documents beyond these remain. */
  more: boolean;
}

/**
 * The log rows of the next `limit` documents after `from` for a device holding `tags` (null:
 * every tag, a network-wide device). Two range scans: the next seqs, then their rows.
 */
export function nextDocuments(db: Db, tags: readonly string[] | null, from: number, limit: number): Candidates {
  let seqs = qb.selectFrom('change_log').select('seq').distinct().where('seq', '>', from);
  if (tags !== null) seqs = seqs.where('tag', 'in', tags.length > 0 ? [...tags] : ['']);
  const found = all(db, seqs.orderBy('seq').limit(limit + 1)).map((r) => r.seq);
  if (found.length === 0) return { rows: [], more: false };
  const more = found.length > limit;
  const bound = found[Math.min(found.length, limit) - 1]!;
  let rows = qb.selectFrom('change_log').select(['seq', 'tag', 'kind', 'key', 'live']).where('seq', '>', from).where('seq', '<=', bound);
  if (tags !== null) rows = rows.where('tag', 'in', tags.length > 0 ? [...tags] : ['']);
  return { rows: all(db, rows.orderBy('seq').orderBy('tag')), more };
}

/** Document keys per statement (key values, whatever the key's width). */
const KEYS_PER_READ = 500;
const reads = new WeakMap<Db, Map<string, DbStatement>>();
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Rows of a replicated table whose key is one of `keys`, as value arrays in `columns` order, in
 * primary-key order. One statement per KEYS_PER_READ keys whatever the key's width (a composite
 * key is a row value: `(a, b) IN (VALUES (?, ?), ...)`, a search of the primary key), its rows
 * read as arrays: a store's first sync reads tens of thousands of rows (docs/performance.md).
 */
export function rowsOfDocs(db: Db, table: string, keyColumns: readonly string[], keys: readonly (readonly string[])[]): { columns: string[]; rows: unknown[][] } {
  const columns = tableColumns(db, table);
  const width = keyColumns.length;
  const per = Math.max(1, Math.floor(KEYS_PER_READ / width));
  const head = `SELECT ${columns.map(ident).join(', ')} FROM ${ident(table)} WHERE ${width === 1 ? ident(keyColumns[0]!) : `(${keyColumns.map(ident).join(', ')})`} IN`;
  const tail = `ORDER BY ${primaryKey(db, table).map(ident).join(', ')}`;
  const one = width === 1 ? '?' : `(${new Array<string>(width).fill('?').join(', ')})`;
  const rows: unknown[][] = [];
  for (let i = 0; i < keys.length; i += per) {
    const part = keys.slice(i, i + per);
    const sql = `${head} (${width === 1 ? '' : 'VALUES '}${new Array<string>(part.length).fill(one).join(', ')}) ${tail}`;
    for (const r of rawStatement(db, sql, part.length === per).all(...part.flat())) rows.push(r as unknown[]);
  }
  return { columns, rows };
}

/** A statement in raw mode (rows as arrays), kept when `keep` (full chunks), else made for once. */
function rawStatement(db: Db, sql: string, keep: boolean): DbStatement {
  let m = reads.get(db);
  if (!m) reads.set(db, (m = new Map()));
  let stmt = m.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql).raw(true);
    if (keep) m.set(sql, stmt);
  }
  return stmt;
}

const columnCache = new WeakMap<Db, Map<string, { columns: string[]; pk: string[] }>>();

function tableInfo(db: Db, table: string): { columns: string[]; pk: string[] } {
  let m = columnCache.get(db);
  if (!m) columnCache.set(db, (m = new Map()));
  let info = m.get(table);
  if (!info) {
    const rows = columnsOf(db, table);
    if (rows.length === 0) throw new Error(`no table ${table}`);
    const columns = rows.map((r) => r.name);
    // A view of migration 0014 (PostgreSQL) has no key of its own: its rows table's, without the year it adds.
    const keyed = ROWS_OF_VIEW[table] !== undefined && !rows.some((r) => r.pk > 0) ? columnsOf(db, ROWS_OF_VIEW[table]).filter((r) => columns.includes(r.name)) : rows;
    info = { columns, pk: keyed.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk).map((r) => r.name) };
    m.set(table, info);
  }
  return info;
}

/** The columns of a table, in schema order (the local schema: the only identifiers used in SQL). */
export function tableColumns(db: Db, table: string): string[] {
  return tableInfo(db, table).columns;
}

/** The primary key's columns, in key order: what a document's rows are read in (every replicated table has one). */
export function primaryKey(db: Db, table: string): string[] {
  const pk = tableInfo(db, table).pk;
  if (pk.length === 0) throw new Error(`table ${table} has no primary key`);
  return pk;
}
