import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import type { Migration } from '../../../migrations/types.js';
import { DatabaseError, openSqliteDatabase } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW, tempDir } from '../../helpers/db.js';

const now = () => FROZEN_NOW;
let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

describe('openSqliteDatabase', () => {
  it('creates a WAL database with foreign keys and STRICT tables (views aside)', () => {
    tmp = tempDir();
    const { db, migrated } = openSqliteDatabase({ file: join(tmp.dir, 'v.db'), now });
    expect(migrated.applied).toEqual(migrations.map((m) => m.name));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string; strict: number }[];
    expect(tables.length).toBeGreaterThan(5);
    for (const t of tables) expect({ table: t.name, strict: t.strict }).toEqual({ table: t.name, strict: 1 });
    db.close();
  });

  it('refuses a database with migrations it does not know', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'v.db');
    openSqliteDatabase({ file, now }).db.close();
    const raw = openSqlite(file);
    raw.prepare("INSERT INTO schema_migrations (name, applied_at) VALUES ('9999_from_the_future', 'x')").run();
    raw.close();
    expect(() => openSqliteDatabase({ file, now })).toThrowError(DatabaseError);
    try { openSqliteDatabase({ file, now }); } catch (e) { expect((e as DatabaseError).code).toBe('db_too_new'); }
  });

  it('backs the database up before migrating, and the backup holds the data', () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'v.db');
    const first = openSqliteDatabase({ file, now, migrations: migrations.slice(0, 1) }).db;
    first.prepare("INSERT INTO network_settings (key, value) VALUES ('name', '\"kept\"')").run();
    first.close();
    const extra: Migration = { name: '9000_extra', up: (db) => db.exec('CREATE TABLE extra (x INTEGER) STRICT'), down: (db) => db.exec('DROP TABLE extra') };
    const { db, migrated } = openSqliteDatabase({ file, now, migrations: [...migrations.slice(0, 1), extra] });
    expect(migrated.applied).toEqual(['9000_extra']);
    expect(migrated.backup).not.toBeNull();
    expect(existsSync(migrated.backup!)).toBe(true);
    const backup = openSqlite(migrated.backup!, { readonly: true });
    expect(backup.prepare("SELECT value FROM network_settings WHERE key = 'name'").get()).toEqual({ value: '"kept"' });
    expect(backup.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'extra'").get()).toEqual({ n: 0 });
    backup.close();
    db.close();
  });

  it('leaves nothing behind when a migration fails', () => {
    const broken: Migration = {
      name: '9001_broken',
      up: (db) => { db.exec('CREATE TABLE half (x INTEGER) STRICT'); throw new Error('boom'); },
      down: () => {},
    };
    tmp = tempDir();
    const file = join(tmp.dir, 'v.db');
    expect(() => openSqliteDatabase({ file, now, migrations: [...migrations, broken] })).toThrow('boom');
    const raw = openSqlite(file);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get()).toEqual({ n: 0 });
    expect(raw.prepare("SELECT count(*) AS n FROM schema_migrations WHERE name = '9001_broken'").get()).toEqual({ n: 0 });
    raw.close();
  });
});
