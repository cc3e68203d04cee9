// Every table of the replicated set exists and gets its change triggers when a database becomes
// a hub; no other table is logged; existing rows are marked when logging starts; a replica's
// schema drops the triggers of the tables the hub fills.
import { describe, expect, it } from 'vitest';
import { changeLogEnabled, changeTriggerTables, ensureChangeLog } from '../../../core/store/change-triggers.js';
import { DOC_KINDS, REPLICATED_TABLES } from '../../../core/store/replicated-set.js';
import { docTags } from '../../../core/store/doc-tags.js';
import { prepareReplicaSchema } from '../../../core/replication/replica.js';
import { memoryDb } from '../../helpers/db.js';

describe('the replicated set', () => {
  it('names existing tables and key columns, each table once', () => {
    const db = memoryDb();
    const tables = REPLICATED_TABLES.map((t) => t.table);
    expect(new Set(tables).size).toBe(tables.length);
    for (const t of REPLICATED_TABLES) {
      const cols = (db.pragma(`table_info(${t.table})`) as { name: string }[]).map((c) => c.name);
      expect(cols.length, t.table).toBeGreaterThan(0);
      for (const k of t.key) expect(cols, `${t.table}.${k}`).toContain(k);
    }
  });

  it('defines scope tags for every kind', () => {
    const db = memoryDb();
    for (const k of DOC_KINDS) expect(() => docTags(db, k.kind, ['x'])).not.toThrow();
  });

  it('logs nothing until the database becomes a hub, then every replicated table and only those', () => {
    const db = memoryDb();
    expect(changeLogEnabled(db)).toBe(false);
    db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    expect(db.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
    ensureChangeLog(db);
    expect(changeLogEnabled(db)).toBe(true);
    const triggers = changeTriggerTables(db);
    expect([...triggers.keys()].sort()).toEqual(REPLICATED_TABLES.map((t) => t.table).sort());
    for (const [table, names] of triggers) expect(names, table).toHaveLength(3);
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

  it('drops every trigger of the replicated tables on a replica, and keeps the audit trail\'s', () => {
    const db = memoryDb();
    ensureChangeLog(db);
    const dropped = prepareReplicaSchema(db);
    expect(dropped).toContain('journal_entries_immutable_delete');
    expect(dropped).toContain('change_orders_insert');
    expect(changeLogEnabled(db)).toBe(false);
    const left = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").pluck().all();
    expect(left).toContain('audit_log_chain');
    expect(left).toContain('command_outbox_immutable');
  });
});
