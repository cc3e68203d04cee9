// A replica's side of the store: its state row (hub, device, cursor, contact times), the
// documents it holds, the rows of those documents (written only by the replication), and its
// outbox of commands for the hub.
import { primaryKey, tableColumns } from './change-log-repo.js';
import { all, dynamicQb, first, namedStatement, qb, run } from './query.js';
import { docKind, type DocKind } from './replicated-set.js';
import type { CommandOutboxTable, DeviceCommandsTable, ReplicaStateTable } from './schema.js';
import type { Db, DbStatement } from './db.js';
import { isSqlite } from './dialect.js';

const dyn = dynamicQb;

export type ReplicaState = ReplicaStateTable;

export function readReplicaState(db: Db): ReplicaState | undefined {
  return first(db, qb.selectFrom('replica_state').selectAll().where('id', '=', 1));
}

export function insertReplicaState(db: Db, row: Omit<ReplicaState, 'id' | 'cursor' | 'tags_json' | 'hub_seq' | 'epoch' | 'resync'>): void {
  run(db, qb.insertInto('replica_state').values({ id: 1, cursor: '', tags_json: '[]', hub_seq: 0, epoch: 0, resync: 0, ...row }));
}

export function updateReplicaState(db: Db, changes: Partial<Omit<ReplicaState, 'id'>>): void {
  run(db, qb.updateTable('replica_state').set(changes).where('id', '=', 1));
}

export function deleteReplicaState(db: Db): void {
  run(db, qb.deleteFrom('replica_state').where('id', '=', 1));
}

/** True when the database holds nothing yet (a replica can only be made of an empty database). */
export function isEmptyDatabase(db: Db): boolean {
  const none = (t: 'entities' | 'orders' | 'users' | 'journal_entries') => first(db, qb.selectFrom(t).select((eb) => eb.lit(1).as('x')).limit(1)) === undefined;
  return none('entities') && none('orders') && none('users') && none('journal_entries');
}

// ---- Documents held -----------------------------------------------------------------------

export interface HeldDoc { kind: string; key: string; seq: number; tags_json: string; epoch: number }

export function heldDocs(db: Db, kind: string, keys: readonly string[]): Map<string, HeldDoc> {
  const out = new Map<string, HeldDoc>();
  for (let i = 0; i < keys.length; i += 500) {
    for (const r of all(db, qb.selectFrom('replica_docs').selectAll().where('kind', '=', kind).where('key', 'in', keys.slice(i, i + 500)))) out.set(r.key, r);
  }
  return out;
}

/** Documents not sent again since the replica started over in `epoch`. */
export function docsBefore(db: Db, epoch: number): HeldDoc[] {
  return all(db, qb.selectFrom('replica_docs').selectAll().where('epoch', '<', epoch).orderBy('kind').orderBy('key'));
}

/** Every document held, with its tags (to drop those that left the scope). */
export function allHeldDocs(db: Db): HeldDoc[] {
  return all(db, qb.selectFrom('replica_docs').selectAll().orderBy('kind').orderBy('key'));
}

export function countHeldDocs(db: Db): number {
  return Number(first(db, qb.selectFrom('replica_docs').select((eb) => eb.fn.countAll().as('n')))?.n ?? 0);
}

export function recordHeldDoc(db: Db, doc: HeldDoc): void {
  namedStatement(db, 'replica.recordHeldDoc', () => qb.insertInto('replica_docs').values({ kind: '', key: '', seq: 0, tags_json: '', epoch: 0 })
    .onConflict((oc) => oc.columns(['kind', 'key']).doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq'), tags_json: eb.ref('excluded.tags_json'), epoch: eb.ref('excluded.epoch') }))))
    .run(doc.kind, doc.key, doc.seq, doc.tags_json, doc.epoch);
}

export function forgetHeldDoc(db: Db, kind: string, key: string): void {
  namedStatement(db, 'replica.forgetHeldDoc', () => qb.deleteFrom('replica_docs').where('kind', '=', '').where('key', '=', '')).run(kind, key);
}

/** Deletes every row of these documents from the kind's tables. */
export function deleteDocRows(db: Db, kind: DocKind, keys: readonly (readonly string[])[]): void {
  for (const t of kind.tables) {
    if (t.key.length === 1) {
      const flat = keys.map((k) => k[0]!);
      for (let i = 0; i < flat.length; i += 500) run(db, dyn.deleteFrom(t.table).where(t.key[0]!, 'in', flat.slice(i, i + 500)));
    } else {
      for (const k of keys) {
        let q = dyn.deleteFrom(t.table);
        t.key.forEach((c, i) => { q = q.where(c, '=', k[i]); });
        run(db, q);
      }
    }
  }
}

const inserts = new WeakMap<Db, Map<string, DbStatement>>();

/**
 * Inserts rows given as value arrays in `columns` order. The statement is built with Kysely once
 * per table and column list and reused: a store's first sync writes tens of thousands of rows.
 */
export function insertRows(db: Db, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): void {
  if (rows.length === 0) return;
  let m = inserts.get(db);
  if (!m) inserts.set(db, (m = new Map()));
  const id = `${table}\u0000${columns.join(',')}`;
  let stmt = m.get(id);
  if (!stmt) {
    const sql = dyn.insertInto(table).values(Object.fromEntries(columns.map((c) => [c, null]))).compile().sql;
    m.set(id, (stmt = db.prepare(sql) as DbStatement));
  }
  for (const r of rows) stmt.run(...r);
}

/** The local columns of a replicated table (what a page's columns must match). */
export const localColumns = tableColumns;

/** Every row of a table in primary-key order: for comparing a replica with its hub. */
export function dumpTable(db: Db, table: string, where?: { column: string; in: readonly string[] }): unknown[][] {
  const columns = tableColumns(db, table);
  let q = dyn.selectFrom(table).select(columns);
  if (where) q = q.where(where.column, 'in', where.in.length ? [...where.in] : ['']);
  for (const c of primaryKey(db, table)) q = q.orderBy(c);
  return all(db, q).map((r) => columns.map((c) => r[c]));
}

export { docKind };

// ---- The outbox of commands ---------------------------------------------------------------

export type OutboxCommand = CommandOutboxTable & { seq: number; push_attempts: number };

export function insertCommand(db: Db, row: Omit<CommandOutboxTable, 'seq' | 'pushed_at' | 'push_attempts'>): void {
  run(db, qb.insertInto('command_outbox').values(row));
}

/** Commands the hub has not answered yet, oldest first. */
export function unansweredCommands(db: Db, deviceId: string, limit = 1000): OutboxCommand[] {
  return all(db, qb.selectFrom('command_outbox as c').selectAll('c')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('device_commands as a').select('a.command_id')
      .whereRef('a.command_id', '=', 'c.id').where('a.device_id', '=', deviceId))))
    .orderBy('c.seq').limit(limit)) as OutboxCommand[];
}

/** Whether a decision waits to be pushed for the first time. */
export function hasUnpushedCommands(db: Db): boolean {
  return first(db, qb.selectFrom('command_outbox').select('id').where('pushed_at', 'is', null).limit(1)) !== undefined;
}

export function markPushed(db: Db, ids: readonly string[], at: string): void {
  for (const id of ids) {
    run(db, qb.updateTable('command_outbox').set((eb) => ({ pushed_at: at, push_attempts: eb('push_attempts', '+', 1) })).where('id', '=', id));
  }
}

export type CommandWithAnswer = OutboxCommand & { answer: Pick<DeviceCommandsTable, 'status' | 'error_code' | 'error_message' | 'applied_at'> | null };

/** The outbox with the hub's answers, newest first. */
export function commandsWithAnswers(db: Db, deviceId: string, limit = 200): CommandWithAnswer[] {
  const rows = all(db, qb.selectFrom('command_outbox as c')
    .leftJoin('device_commands as a', (j) => j.onRef('a.command_id', '=', 'c.id').on('a.device_id', '=', deviceId))
    .selectAll('c').select(['a.status', 'a.error_code', 'a.error_message', 'a.applied_at'])
    .orderBy('c.seq', 'desc').limit(limit));
  return rows.map((r) => {
    const { status, error_code, error_message, applied_at, ...c } = r as typeof r & { status: 'accepted' | 'refused' | null };
    return { ...(c as OutboxCommand), answer: status === null ? null : { status, error_code, error_message, applied_at: applied_at! } };
  });
}

/** Pending decisions on inbox requests, by `order \0 line \0 location`. */
export function pendingInboxDecisions(db: Db, deviceId: string): Map<string, { command: string; op: string; created_at: string }> {
  const out = new Map<string, { command: string; op: string; created_at: string }>();
  for (const c of unansweredCommands(db, deviceId)) {
    if (c.op !== 'inbox.accept' && c.op !== 'inbox.refuse') continue;
    const i = JSON.parse(c.input_json) as { order: string; line: string; location: string };
    out.set(`${i.order}\u0000${i.line}\u0000${i.location}`, { command: c.id, op: c.op, created_at: c.created_at });
  }
  return out;
}

/**
 * Runs `fn` with foreign-key enforcement off (the hub's rows arrive in document order, not in
 * foreign-key order; integrity is the hub's). The pragma cannot change inside a transaction, so
 * it is switched around `fn`, and restored after.
 */
export function withoutForeignKeys<T>(db: Db, fn: () => T): T {
  if (!isSqlite(db)) throw new Error('a replica is a SQLite database (PostgreSQL serves as a hub only)');
  const fk = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    return fn();
  } finally {
    db.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
  }
}
