// The migration list is in file order and names every migration file, and a database that
// applied the migrations in the order the list once had (0001, 0002, 0005, 0006, 0003, 0004,
// 0007) opens unchanged: same schema as a new one, nothing re-applied.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate, openSqliteDatabase } from '../../../core/store/database.js';
import { openSqlite, type Sqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW, repoRoot, tempDir } from '../../helpers/db.js';

const OLD_ORDER = ['0001_network_orders', '0002_settlements', '0005_outbox_sync', '0006_users_audit', '0003_routing_release', '0004_books', '0007_settlement_access_paths'];
const byName = (names: readonly string[]) => names.map((n) => migrations.find((m) => m.name === n)!);
/** Migrations written after the order changed: a database of the old order gets them as any other. */
const LATER = migrations.map((m) => m.name).filter((n) => !OLD_ORDER.includes(n));

/** Every table, index, view and trigger, as SQLite stores its definition. */
function schema(db: Sqlite): string[] {
  return (db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { type: string; name: string; sql: string | null }[])
    .map((r) => `${r.type} ${r.name}: ${r.sql ?? ''}`);
}

describe('the migration list', () => {
  it('names every migration file once, in file order, each under its file name', () => {
    const files = readdirSync(join(repoRoot, 'migrations')).filter((f) => /^\d{4}_.+\.ts$/.test(f)).sort();
    expect(migrations.map((m) => `${m.name}.ts`)).toEqual(files);
  });

  it('opens a database that applied the migrations in the old order, applying only the later ones', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'old.db');
      const old = openSqliteDatabase({ file, now: () => FROZEN_NOW, migrations: byName(OLD_ORDER) });
      expect(old.migrated.applied).toEqual(OLD_ORDER);
      old.db.close();
      const { db, migrated } = openSqliteDatabase({ file, now: () => FROZEN_NOW });
      expect(migrated.applied).toEqual(LATER);
      const fresh = openSqliteDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
      expect(schema(db)).toEqual(schema(fresh));
      db.close();
      fresh.close();
    } finally {
      tmp.cleanup();
    }
  });

  it('finishes a database the old order left halfway (0001, 0002, 0005, 0006) with 0003, 0004, 0007', () => {
    const db = openSqlite(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, ':memory:', byName(OLD_ORDER.slice(0, 4)), () => FROZEN_NOW);
    expect(migrate(db, ':memory:', migrations, () => FROZEN_NOW).applied).toEqual(['0003_routing_release', '0004_books', '0007_settlement_access_paths', ...LATER]);
    const fresh = openSqliteDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
    expect(schema(db)).toEqual(schema(fresh));
  });
});
