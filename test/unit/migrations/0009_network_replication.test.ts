// Migration 0009 adds the change log, devices, their commands and a replica's state on a database
// that already holds data, without logging anything yet (a standalone installation pays nothing).
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../migrations/index.js';
import { migrate } from '../../../core/store/database.js';
import { openSqlite } from '../../../core/store/sqlite.js';
import { FROZEN_NOW } from '../../helpers/db.js';
import { postgresDatabases, postgresInstalled } from '../../helpers/postgres.js';

describe('0009_network_replication', () => {
  const db = openSqlite(':memory:');
  db.pragma('foreign_keys = ON');
  const at = migrations.findIndex((m) => m.name === '0009_network_replication');
  migrate(db, ':memory:', migrations.slice(0, at), () => FROZEN_NOW);
  db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
  const report = migrate(db, ':memory:', migrations.slice(0, at + 1), () => FROZEN_NOW);

  it('applies on top of the previous migrations with data in place', () => {
    expect(report.applied).toEqual(['0009_network_replication']);
    expect(db.prepare('SELECT id FROM entities').pluck().all()).toEqual(['HQ']);
    expect(db.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
  });

  it('keeps a replica to one state row and its commands immutable', () => {
    db.exec(`INSERT INTO replica_state (id, status, hub_url, created_at) VALUES (1, 'active', 'https://hub', 'now')`);
    expect(() => db.exec(`INSERT INTO replica_state (id, status, hub_url, created_at) VALUES (2, 'active', 'https://hub', 'now')`)).toThrow(/CHECK/);
    db.exec(`INSERT INTO command_outbox (id, op, input_json, user_id, user_name, entities_json, summary, created_at) VALUES ('c1', 'inbox.accept', '{}', 'u', 'U', '[]', 's', 'now')`);
    expect(() => db.exec("UPDATE command_outbox SET op = 'inbox.refuse'")).toThrow('never changes');
    db.exec("UPDATE command_outbox SET pushed_at = 'now', push_attempts = 1");
    expect(() => db.exec('DELETE FROM command_outbox')).toThrow('never deleted');
    expect(() => db.exec(`INSERT INTO devices (id, name, scope, status, code_hash, code_expires_at, created_at, created_by) VALUES ('d', 'n', 'network', 'lost', 'h', 'x', 'now', 'me')`)).toThrow(/CHECK/);
  });

  it('rolls back with down()', () => {
    db.transaction(() => migrations[at]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('change_log', 'devices', 'replica_state', 'command_outbox')").pluck().get()).toBe(0);
  });
});

describe.skipIf(!postgresInstalled)('0009_network_replication on PostgreSQL', () => {
  const database = postgresDatabases('0009_network_replication.test');
  const at = migrations.findIndex((m) => m.name === '0009_network_replication');

  it('logs nothing yet, keeps one replica state row and commands immutable; down() drops the change triggers of a hub', () => {
    const db = database(migrations.slice(0, at));
    db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
    db.transaction(() => migrations[at]!.up(db))();
    expect(db.prepare('SELECT count(*) FROM change_dirty').pluck().get()).toBe(0);
    db.exec(`INSERT INTO replica_state (id, status, hub_url, created_at) VALUES (1, 'active', 'https://hub', 'now')`);
    expect(() => db.exec(`INSERT INTO replica_state (id, status, hub_url, created_at) VALUES (2, 'active', 'https://hub', 'now')`)).toThrow(/check constraint/);
    db.exec(`INSERT INTO command_outbox (id, op, input_json, user_id, user_name, entities_json, summary, created_at) VALUES ('c1', 'inbox.accept', '{}', 'u', 'U', '[]', 's', 'now')`);
    expect(() => db.exec("UPDATE command_outbox SET op = 'inbox.refuse'")).toThrow('a command never changes once written');
    db.exec("UPDATE command_outbox SET pushed_at = 'now', push_attempts = 1");
    expect(() => db.exec('DELETE FROM command_outbox')).toThrow('commands are never deleted');
    db.exec("CREATE FUNCTION change_entities() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$; CREATE TRIGGER change_entities AFTER INSERT ON entities FOR EACH ROW EXECUTE FUNCTION change_entities()");
    db.transaction(() => migrations[at]!.down(db))();
    expect(db.prepare("SELECT count(*) FROM pg_trigger WHERE tgname = 'change_entities'").pluck().get()).toBe(0);
    expect(db.prepare("SELECT count(*) FROM pg_tables WHERE tablename IN ('change_log', 'devices', 'replica_state', 'command_outbox')").pluck().get()).toBe(0);
  });
});
