// Every table of the replicated set exists and gets its change triggers when a database becomes
// a hub; no other table is logged; existing rows are marked when logging starts; a replica's
// schema drops the triggers of the tables the hub fills.
import { columnsOf } from '../../../core/store/dialect.js';
import { describe, expect, it } from 'vitest';
import { changeLogEnabled, changeTriggerTables, ensureChangeLog } from '../../../core/store/change-triggers.js';
import { DOC_KINDS, REPLICATED_TABLES, UNREPLICATED_TABLES } from '../../../core/store/replicated-set.js';
import { docTags } from '../../../core/store/doc-tags.js';
import { prepareReplicaSchema } from '../../../core/replication/replica.js';
import { entryWriter } from '../../../core/store/books-repo.js';
import { memoryDb, repoRoot, testBackend } from '../../helpers/db.js';
import { ROWS_OF_VIEW } from '../../../core/store/partitions.js';
import type { Db } from '../../../core/store/db.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The store's tables: SQLite's; on PostgreSQL the same, where a table migration 0014 partitioned
 * behind a view is named by its view, and its partitions are not tables of their own.
 */
function storeTables(db: Db): string[] {
  if (testBackend === 'sqlite') {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
  }
  const viewOf = new Map(Object.entries(ROWS_OF_VIEW).map(([view, rows]) => [rows, view]));
  const tables = db.prepare(`SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND NOT relispartition
    AND relnamespace = current_schema()::regnamespace`).pluck().all() as string[];
  return tables.map((t) => viewOf.get(t) ?? t).sort();
}

describe('the replicated set', () => {
  it('names existing tables and key columns, each table once', () => {
    const db = memoryDb();
    const tables = REPLICATED_TABLES.map((t) => t.table);
    expect(new Set(tables).size).toBe(tables.length);
    for (const t of REPLICATED_TABLES) {
      const cols = columnsOf(db, t.table).map((c) => c.name);
      expect(cols.length, t.table).toBeGreaterThan(0);
      for (const k of t.key) expect(cols, `${t.table}.${k}`).toContain(k);
    }
  });

  it('classifies every table of the schema: replicated, or on the hub only, or local', () => {
    // A new migration's table must be placed in DOC_KINDS or UNREPLICATED_TABLES (replicated-set.ts).
    const db = memoryDb();
    const tables = storeTables(db);
    const replicated = new Set(REPLICATED_TABLES.map((t) => t.table));
    const unclassified = tables.filter((t) => !replicated.has(t) && !(t in UNREPLICATED_TABLES));
    expect(unclassified, 'tables neither in DOC_KINDS nor in UNREPLICATED_TABLES').toEqual([]);
    expect(Object.keys(UNREPLICATED_TABLES).filter((t) => replicated.has(t)), 'tables in both lists').toEqual([]);
    expect(Object.keys(UNREPLICATED_TABLES).filter((t) => !tables.includes(t)), 'listed tables that do not exist').toEqual([]);
  });

  it('defines scope tags for every kind', () => {
    const db = memoryDb();
    // A key valid for every kind: some are integer ids, which PostgreSQL will not compare with 'x'.
    for (const k of DOC_KINDS) expect(() => docTags(db, k.kind, ['1'])).not.toThrow();
  });

  it('logs nothing until the database becomes a hub, then every replicated table and only those', () => {
    const db = memoryDb();
    expect(changeLogEnabled(db)).toBe(false);
    db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    expect(db.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
    ensureChangeLog(db);
    expect(changeLogEnabled(db)).toBe(true);
    const triggers = changeTriggerTables(db);
    expect([...triggers.keys()].sort()).toEqual(REPLICATED_TABLES.filter((t) => (t.marked ?? 'trigger') === 'trigger').map((t) => t.table).sort());
    for (const [table, names] of triggers) expect(names, table).toHaveLength(testBackend === 'postgres' ? 1 : 3);
    // The rows written before are marked, and later changes too.
    expect(db.prepare('SELECT kind, key FROM change_dirty').all()).toEqual([{ kind: 'entity', key: 'HQ' }]);
    db.exec("INSERT INTO accounts (entity, number, label, created_at) VALUES ('HQ', '411000', 'Clients', 'now')");
    expect(db.prepare("SELECT key FROM change_dirty WHERE kind = 'account'").pluck().all()).toEqual(['["HQ","411000"]']);
    // A key that changes marks the document under both keys (the old one is then removed).
    db.exec(`INSERT INTO network_settings (key, value) VALUES ('a', '1'); UPDATE network_settings SET key = 'b' WHERE key = 'a'`);
    expect(db.prepare("SELECT key FROM change_dirty WHERE kind = 'setting' ORDER BY key").pluck().all()).toEqual(['a', 'b']);
    // Running it again changes nothing.
    expect(ensureChangeLog(db).tables).toEqual([]);
  });

  it('has the books writers mark their entries on a hub, and only there', () => {
    const entry = (db: ReturnType<typeof memoryDb>) => db.transaction(() => entryWriter(db).insert({
      entity: 'HQ', journal: 'OD', fiscal_year: '2026', entry_date: '2026-01-02', event_at: '2026-01-02T00:00:00Z', shifted: false, adjustment: false,
      valid_at: '2026-01-02T00:00:00Z', label: 'x', piece_ref: 'p', piece_date: '2026-01-02', source_key: 's', order_id: null, transfer_id: null, invoice_id: null,
      currency: 'EUR', orig_currency: 'EUR', fx_rate: null, fx_date: null,
      lines: [{ fact: 'f', role: 'r', account: '411000', aux: null, debit: 1, credit: 0, label: 'l', amount_orig: 1 }, { fact: 'f', role: 'r', account: '706000', aux: null, debit: 0, credit: 1, label: 'l', amount_orig: -1 }],
    }))();
    const standalone = memoryDb();
    standalone.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    entry(standalone);
    expect(standalone.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
    const hub = memoryDb();
    hub.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    ensureChangeLog(hub);
    hub.exec('DELETE FROM change_dirty');
    const { id } = entry(hub);
    expect(hub.prepare('SELECT kind, key FROM change_dirty').all()).toEqual([{ kind: 'journal_entry', key: String(id) }]);
  });

  it('writes the tables without triggers only where their document is marked', () => {
    // A table marked by its head row must only be inserted where that row changes too; a table
    // marked by its writer, only by that writer. Another path would not reach the replicas.
    const allowed: Record<string, string[]> = {
      order_lines: ['core/store/scenario-repo.ts'], payments: ['core/store/scenario-repo.ts'],
      settlement_revisions: ['core/store/settlement-repo.ts'], settlement_lines: ['core/store/settlement-repo.ts'],
      order_parties: ['core/store/settlement-repo.ts'],
      journal_entries: ['core/store/books-repo.ts'], journal_lines: ['core/store/books-repo.ts'],
      invoices: ['core/store/invoice-repo.ts'], invoice_lines: ['core/store/invoice-repo.ts'], transfer_items: ['core/store/release-repo.ts'],
    };
    expect(Object.keys(allowed).sort()).toEqual(REPLICATED_TABLES.filter((t) => t.marked === 'head' || t.marked === 'writer').map((t) => t.table).sort());
    const files = (dir: string): string[] => readdirSync(join(repoRoot, dir), { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
    const writers = new Map<string, string[]>();
    for (const f of files('core')) {
      const text = readFileSync(join(repoRoot, f), 'utf8');
      for (const table of Object.keys(allowed)) {
        if (new RegExp(`(INSERT( OR \\w+)? INTO|UPDATE|DELETE FROM)\\s+${table}\\b|(insertInto|updateTable|deleteFrom|replaceInto)\\('${table}'\\)`).test(text)) {
          writers.set(table, [...(writers.get(table) ?? []), f]);
        }
      }
    }
    for (const table of Object.keys(allowed)) expect(writers.get(table) ?? [], table).toEqual(allowed[table]);
  });

  it('drops every trigger of the replicated tables on a replica, and keeps the audit trail\'s', () => {
    const db = memoryDb();
    ensureChangeLog(db);
    const dropped = prepareReplicaSchema(db);
    expect(dropped).toContain('journal_entries_immutable_delete');
    expect(dropped).toContain(testBackend === 'postgres' ? 'change_orders' : 'change_orders_insert');
    expect(changeLogEnabled(db)).toBe(false);
    const left = db.prepare(testBackend === 'postgres' ? 'SELECT tgname FROM pg_trigger WHERE NOT tgisinternal' : "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all();
    expect(left).toContain('audit_log_chain');
    expect(left).toContain('command_outbox_immutable');
  });
});
