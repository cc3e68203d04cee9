// Migration 0013 adds the back office's tables (release approvals, explained reconciliation
// mismatches, inbox read state, rule drafts) and who published a rule version, on a database
// that already holds rules: the rules survive, imported versions have no publisher, and the
// new tables enforce their references and states.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0013_back_office', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const index = migrations.findIndex((m) => m.name === '0013_back_office');
  migrate(db, ':memory:', migrations.slice(0, index), () => FROZEN_NOW);
  db.exec(`INSERT INTO rules (id, version, rule_group, priority, valid_from, when_json, legs_json, content_hash, created_at)
    VALUES ('ROYALTY', 1, 'royalty', 100, '2026-01-01', '{}', '[]', 'h', '2026-01-01T00:00:00Z')`);
  const rulesBefore = db.prepare('SELECT id, version, rule_group, valid_from FROM rules').all();
  const report = migrate(db, ':memory:', migrations.slice(0, index + 1), () => FROZEN_NOW);

  it('keeps the rules, with no publisher for imported versions', () => {
    expect(report.applied).toEqual(['0013_back_office']);
    expect(db.prepare('SELECT id, version, rule_group, valid_from FROM rules').all()).toEqual(rulesBefore);
    expect(db.prepare('SELECT published_by, published_by_name FROM rules').get()).toEqual({ published_by: null, published_by_name: null });
  });

  it('refuses an approval in an unknown state, an explanation of no item and a read of no offer', () => {
    const approval = (status: string) => db.prepare(`INSERT INTO release_approvals (id, as_of, plan_hash, transfer_count, totals_json, status, prepared_by, prepared_by_name, prepared_at)
      VALUES (?, '2026-03-01T00:00:00Z', 'h', 1, '[]', ?, 'u1', 'Fanny', '2026-03-02T00:00:00Z')`).run(`ra_${status}`, status);
    expect(() => approval('pending')).not.toThrow();
    expect(() => approval('maybe')).toThrow(/CHECK/);
    expect(() => db.prepare("INSERT INTO reconciliation_explanations VALUES (1, 1, 'n', 'u', 'U', 'now')").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("INSERT INTO inbox_reads VALUES ('u', 99, 'now')").run()).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare(`INSERT INTO rule_drafts (id, rule_id, body_json, status, created_by, created_by_name, created_at, updated_at)
      VALUES ('d1', 'R', '{}', 'sketch', 'u', 'U', 'now', 'now')`).run()).toThrow(/CHECK/);
  });

  it('rolls back with down(), the rules kept', () => {
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare('SELECT id, version, rule_group, valid_from FROM rules').all()).toEqual(rulesBefore);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name IN ('release_approvals', 'reconciliation_explanations', 'inbox_reads', 'rule_drafts')").pluck().all();
    expect(tables).toEqual([]);
    expect((db.prepare('PRAGMA table_info(rules)').all() as { name: string }[]).map((c) => c.name)).not.toContain('published_by');
  });
});

describe.skipIf(!postgresInstalled)('0013_back_office on PostgreSQL', () => {
  const database = postgresDatabases('0013_back_office.test');
  const index = migrations.findIndex((m) => m.name === '0013_back_office');

  it('keeps the rules, refuses unknown states and references to nothing; rolls back with down()', () => {
    const db = database(migrations.slice(0, index));
    db.exec(`INSERT INTO rules (id, version, rule_group, priority, valid_from, when_json, legs_json, content_hash, created_at)
      VALUES ('ROYALTY', 1, 'royalty', 100, '2026-01-01', '{}', '[]', 'h', '2026-01-01T00:00:00Z')`);
    db.transaction(() => migrations[index]!.up(db))();
    expect(db.prepare('SELECT id, version, published_by FROM rules').all()).toEqual([{ id: 'ROYALTY', version: 1, published_by: null }]);
    const approval = (status: string) => db.prepare(`INSERT INTO release_approvals (id, as_of, plan_hash, transfer_count, totals_json, status, prepared_by, prepared_by_name, prepared_at)
      VALUES (?, '2026-03-01T00:00:00Z', 'h', 1, '[]', ?, 'u1', 'Fanny', '2026-03-02T00:00:00Z')`).run(`ra_${status}`, status);
    approval('pending');
    expect(() => approval('maybe')).toThrow(/check constraint/);
    expect(() => db.exec("INSERT INTO reconciliation_explanations VALUES (1, 1, 'n', 'u', 'U', 'now')")).toThrow(/foreign key constraint/);
    expect(() => db.exec("INSERT INTO inbox_reads VALUES ('u', 99, 'now')")).toThrow(/foreign key constraint/);
    db.transaction(() => migrations[index]!.down(db))();
    expect(db.prepare('SELECT id, version FROM rules').all()).toEqual([{ id: 'ROYALTY', version: 1 }]);
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE tablename IN ('release_approvals', 'reconciliation_explanations', 'inbox_reads', 'rule_drafts')").pluck().get()).toBe(0);
  });
});
