// THE DIALECT-SPECIFIC PART OF REPLICATION, in one place: SQLite triggers that mark a document
// dirty in the same transaction as any change to one of its rows, and the statements a replica
// runs to stop guarding the tables the hub fills.
//
// Why triggers (docs/decisions/0009-network-replication.md): every write path, present and
// future, is recorded without anyone remembering to, including an operator's hand-made fix in
// the SQLite shell. A trigger only inserts (kind, key) into `change_dirty` and does nothing when
// the key is already there, so a settlement of thousands of rows marks each order once; the
// scope tags and the order of the log are computed later, when the dirty set is sealed
// (core/store/change-log-repo.ts), because they depend on rows written later in the same
// transaction (an order's parties are written after its lines).
//
// PostgreSQL (issue 13, docs/decisions/0018-postgresql-schema.md): the three triggers per table
// are one `AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW` trigger, `change_<table>`, calling
// the plpgsql function of the same name, which runs the same `INSERT ... ON CONFLICT DO NOTHING`.
// The document key is the same text on both: a single column as `CAST(col AS TEXT)`, several as
// the compact JSON array SQLite's json_array() writes, so keys are byte-identical across backends.
import type { Db } from './db.js';
import { dialectOf } from './dialect.js';
import { ROWS_OF_VIEW } from './partitions.js';
import { DOC_KINDS, REPLICATED_TABLES } from './replicated-set.js';

const ident = (name: string) => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
};

/** SQL expression of a row's document key (NEW or OLD), as core/store/replicated-set.ts encodes it. */
function keyExpr(db: Db, row: 'NEW' | 'OLD' | null, columns: readonly string[]): string {
  const col = (c: string) => (row ? `${row}.${ident(c)}` : ident(c));
  if (columns.length === 1) return `CAST(${col(columns[0]!)} AS TEXT)`;
  if (dialectOf(db) === 'sqlite') return `json_array(${columns.map(col).join(', ')})`;
  // json_build_array() puts a space after each comma; SQLite's json_array() does not.
  return `('[' || ${columns.map((c) => `coalesce(to_json(${col(c)})::text, 'null')`).join(" || ',' || ")} || ']')`;
}

/** Change triggers a table has when it logs its changes: three on SQLite, one on PostgreSQL. */
const triggersPerTable = (db: Db) => (dialectOf(db) === 'sqlite' ? 3 : 1);

/** The CREATE TRIGGER statements (and on PostgreSQL, the function) that mark a table's documents dirty. */
function changeTriggersDdl(db: Db, table: string, kind: string, keyColumns: readonly string[]): string {
  const t = ident(table);
  const k = ident(kind);
  const key = (row: 'NEW' | 'OLD') => keyExpr(db, row, keyColumns);
  const mark = (row: 'NEW' | 'OLD') => `INSERT INTO change_dirty (kind, key) VALUES ('${k}', ${key(row)}) ON CONFLICT DO NOTHING;`;
  if (dialectOf(db) === 'postgres') {
    return `
    CREATE OR REPLACE FUNCTION change_${t}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP <> 'DELETE' THEN ${mark('NEW')} END IF;
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND ${key('OLD')} IS DISTINCT FROM ${key('NEW')}) THEN ${mark('OLD')} END IF;
        RETURN NULL;
      END $$;
    CREATE TRIGGER change_${t} AFTER INSERT OR UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION change_${t}();`;
  }
  return `
    CREATE TRIGGER change_${t}_insert AFTER INSERT ON ${t} BEGIN ${mark('NEW')} END;
    CREATE TRIGGER change_${t}_update AFTER UPDATE ON ${t} BEGIN ${mark('NEW')}
      INSERT INTO change_dirty (kind, key) SELECT '${k}', ${key('OLD')} WHERE ${key('OLD')} IS NOT ${key('NEW')}
        ON CONFLICT DO NOTHING; END;
    CREATE TRIGGER change_${t}_delete AFTER DELETE ON ${t} BEGIN ${mark('OLD')} END;`;
}

const kindOfTable = new Map(DOC_KINDS.flatMap((k) => k.tables.map((t) => [t.table, k.kind] as const)));

/**
 * Makes the database log its changes (a hub): creates the change triggers of every replicated
 * table that lacks them and marks that table's existing documents dirty, in one transaction, so
 * nothing written before or after is missed. Run when the first device is enrolled and whenever
 * the hub starts: a table that joined the replicated set in a newer version gets its triggers
 * then, and its rows reach the replicas with the next pulls.
 */
export function ensureChangeLog(db: Db): { tables: string[] } {
  return db.transaction(() => {
    const present = changeTriggerTables(db);
    const added: string[] = [];
    const enabled = present.size > 0;
    for (const t of REPLICATED_TABLES) {
      const kind = kindOfTable.get(t.table)!;
      const wanted = (t.marked ?? 'trigger') === 'trigger';
      const has = present.get(t.table) ?? [];
      if (wanted && has.length === triggersPerTable(db)) continue;
      for (const name of has) dropTrigger(db, name, t.table);
      if (!wanted && (enabled || t.marked === 'head')) continue; // marked by its head row or its writer
      if (wanted) db.exec(changeTriggersDdl(db, t.table, kind, t.key));
      // What the table already holds reaches the replicas with the next pulls.
      db.exec(`INSERT INTO change_dirty (kind, key) SELECT DISTINCT '${ident(kind)}', ${keyExpr(db, null, t.key)} FROM ${ident(t.table)} WHERE true ON CONFLICT DO NOTHING`);
      added.push(t.table);
    }
    return { tables: added };
  }).immediate();
}

/** Whether this database logs its changes (it is a hub). */
export function changeLogEnabled(db: Db): boolean {
  return changeTriggerTables(db).size > 0;
}

/**
 * For a store writer that marks its documents itself (`marked: 'writer'`): a function marking a
 * document dirty on a hub, doing nothing elsewhere. Get it once per run, inside the transaction.
 */
export function dirtyMarker(db: Db, kind: string): (key: string | number) => void {
  if (!changeLogEnabled(db)) return () => {};
  const stmt = db.prepare(`INSERT INTO change_dirty (kind, key) VALUES ('${ident(kind)}', ?) ON CONFLICT DO NOTHING`);
  return (key) => { stmt.run(String(key)); };
}

/** Names of the change triggers present in the database, by table. */
export function changeTriggerTables(db: Db): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of triggers(db).filter((t) => t.name.startsWith('change_'))) {
    let l = out.get(r.tbl_name);
    if (!l) out.set(r.tbl_name, (l = []));
    l.push(r.name);
  }
  return out;
}

/**
 * Turns a database into a replica's: drops every trigger on the replicated tables. The change
 * triggers would log what the replica receives; the append-only guards would refuse the hub's
 * newer version of a document and the removal of one that left the scope. On a replica these
 * tables are written by the replication alone (core/replication/replica.ts); the API refuses
 * every other change to them (hub_only).
 */
export function dropReplicaGuards(db: Db, tables: readonly string[]): string[] {
  const wanted = new Set(tables);
  const guards = triggers(db).filter((t) => wanted.has(t.tbl_name));
  for (const t of guards) dropTrigger(db, t.name, t.on);
  return guards.map((t) => t.name).sort();
}

const viewOfRows = new Map(Object.entries(ROWS_OF_VIEW).map(([view, rows]) => [rows, view]));

/**
 * Every trigger of the database by name, with the table the store names (`tbl_name`) and the one
 * it is on (`on`): on PostgreSQL the triggers of a view of migration 0014 are on its rows table.
 */
function triggers(db: Db): { name: string; tbl_name: string; on: string }[] {
  if (dialectOf(db) === 'sqlite') {
    return (db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all() as { name: string; tbl_name: string }[])
      .map((t) => ({ ...t, on: t.tbl_name }));
  }
  return (db.prepare(`SELECT t.tgname AS name, c.relname AS on FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relnamespace = current_schema()::regnamespace ORDER BY t.tgname`).all() as { name: string; on: string }[])
    .map((t) => ({ ...t, tbl_name: viewOfRows.get(t.on) ?? t.on }));
}

/** Drops a trigger (PostgreSQL names triggers per table; a change trigger's function goes with it). */
export function dropTrigger(db: Db, name: string, table: string): void {
  if (dialectOf(db) === 'sqlite') db.exec(`DROP TRIGGER ${ident(name)}`);
  else db.exec(`DROP TRIGGER ${ident(name)} ON ${ident(table)}${name.startsWith('change_') ? `; DROP FUNCTION IF EXISTS ${ident(name)}()` : ''}`);
}
