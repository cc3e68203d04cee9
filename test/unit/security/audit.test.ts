// The audit trail: every mutating call leaves one row (who, when, operation, input, before and
// after), in the same transaction as the change; rows cannot be updated or deleted; each row's
// hash chains to the previous one, and `ventil audit verify` names a row altered behind the
// triggers' back.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../../core/api/context.js';
import { callApi } from '../../../core/api/index.js';
import type { Principal } from '../../../core/api/principal.js';
import { AUDIT_INPUT_MAX_BYTES } from '../../../core/api/audit-trail.js';
import { auditHash, AUDIT_GENESIS_HASH } from '../../../core/security/audit-chain.js';
import { verifyAuditLog } from '../../../core/store/audit-repo.js';
import { openDatabase } from '../../../core/store/database.js';
import { ventil } from '../../helpers/cli.js';
import { FROZEN_NOW, memoryDb, readExample, tempDir } from '../../helpers/db.js';

const lyonManager: Principal = { userId: 'u-lyon', name: 'Lyon manager', role: 'store_manager', regions: [], entities: ['LYON'] };
const auraController: Principal = { userId: 'u-aura', name: 'AURA controller', role: 'controller', regions: ['AURA'], entities: [] };
const auditor: Principal = { userId: 'u-audit', name: 'Auditor', role: 'auditor', regions: [], entities: [] };

function seeded(db = memoryDb()) {
  const ctx = createContext(db, { now: () => FROZEN_NOW });
  const r = callApi(ctx, 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  return { db, ctx, as: (p: Principal) => createContext(db, { principal: p, now: () => FROZEN_NOW }) };
}

const lille = { id: 'LILLE', name: 'Lille Flandres SARL', kind: 'franchisee', siren: '328917562', vat_number: 'FR22328917562', region: 'HDF', psp_account: 'acct_lille', erp_code: '3100', fiscal_year_end: '12-31' };

describe('audit rows', () => {
  it('records who, when, what, the input and the before/after a handler gives', () => {
    const { db, ctx } = seeded();
    expect(callApi(ctx, 'users.create', { name: 'Lille', login: 'lille', role: 'store_manager', entities: ['LILLE'], password: 'lille-password-1' })).toMatchObject({ ok: true });
    const row = db.prepare("SELECT * FROM audit_log WHERE operation = 'users.create'").get() as Record<string, string>;
    expect(row).toMatchObject({ actor_id: 'system', actor_role: 'admin', outcome: 'ok', at: FROZEN_NOW.toISOString(), entities_json: '["LILLE"]', before_json: null });
    expect(JSON.parse(row.input_json)).toMatchObject({ login: 'lille', password: '[redacted]' });
    expect(JSON.parse(row.after_json)).toMatchObject({ login: 'lille', role: 'store_manager', entities: ['LILLE'] });
    expect(row.after_json).not.toContain('scrypt');
  });

  it('writes nothing for a call that fails, and records a forbidden attempt', () => {
    const { db, ctx, as } = seeded();
    const before = db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
    expect(callApi(ctx, 'network.entities.create', { ...lille })).toMatchObject({ ok: false, error: { code: 'duplicate_id' } });
    expect(db.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(before);
    expect(callApi(as(lyonManager), 'network.entities.update', { ...lille, name: 'Mine now' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(db.prepare('SELECT actor_id, operation, outcome FROM audit_log ORDER BY seq DESC LIMIT 1').get())
      .toEqual({ actor_id: 'u-lyon', operation: 'network.entities.update', outcome: 'forbidden' });
  });

  it('keeps a large input as its digest', () => {
    const { db } = seeded();
    const row = db.prepare("SELECT input_json FROM audit_log WHERE operation = 'scenario.import'").pluck().get() as string;
    const input = JSON.parse(row);
    expect(JSON.stringify(readExample('network-basic.json')).length).toBeLessThan(AUDIT_INPUT_MAX_BYTES);
    expect(input.scenario.network.platform_entity).toBe('HQ');
    const big = memoryDb();
    const scenario = readExample('network-varied.json');
    scenario.events = [];
    scenario.orders = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((k) => scenario.orders.map((o: { id: string; payments: { id: string }[] }) => ({
      ...o, id: `${o.id}-${k}`, payments: o.payments.map((p) => ({ ...p, id: `${p.id}-${k}` })),
    })));
    expect(JSON.stringify(scenario).length).toBeGreaterThan(AUDIT_INPUT_MAX_BYTES);
    expect(callApi(createContext(big, { now: () => FROZEN_NOW }), 'scenario.import', { scenario, source: 'big' })).toMatchObject({ ok: true });
    const last = JSON.parse(big.prepare("SELECT input_json FROM audit_log WHERE operation = 'scenario.import'").pluck().get() as string);
    expect(last).toMatchObject({ $omitted: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: expect.any(Number) });
  });
});

describe('append-only and hash-chained', () => {
  it('refuses UPDATE, DELETE and an insert that does not extend the chain', () => {
    const { db } = seeded();
    expect(() => db.prepare("UPDATE audit_log SET actor_id = 'someone' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO audit_log (seq, at, actor_id, actor_name, actor_role, operation, outcome, entities_json, input_json, prev_hash, hash)
      VALUES (5, 'x', 'a', 'a', 'admin', 'x', 'ok', '[]', '{}', ?, 'h')`).run(AUDIT_GENESIS_HASH)).toThrow(/extend the chain/);
  });

  it('chains each row to the previous one', () => {
    const { db, ctx } = seeded();
    callApi(ctx, 'network.settings.update', { platform_entity: 'HQ', return_window_days: 30 });
    const rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Parameters<typeof auditHash>[1][] & { prev_hash: string; hash: string }[];
    expect(rows.length).toBe(2);
    expect(rows[0]!.prev_hash).toBe(AUDIT_GENESIS_HASH);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    for (const r of rows) expect(auditHash(r.prev_hash, r)).toBe(r.hash);
    expect(verifyAuditLog(db)).toMatchObject({ ok: true, rows: 2, head: rows[1]!.hash, problems: [] });
  });

  describe('ventil audit verify', () => {
    const t = tempDir();
    afterAll(() => t.cleanup());

    it('passes on an intact trail and names the row changed behind the triggers\' back', () => {
      const file = join(t.dir, 'audit.db');
      const { db } = openDatabase({ file, now: () => FROZEN_NOW });
      const { ctx } = seeded(db);
      callApi(ctx, 'network.settings.update', { platform_entity: 'HQ', return_window_days: 30 });
      callApi(ctx, 'network.catchments.save', { postcode_prefix: '598', location: 'ST-LILLE' });
      db.close();

      const ok = ventil(['audit', 'verify', '--db', file]);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/intact: 3 row\(s\), head [0-9a-f]{64}/);

      // Someone with the file drops the trigger and rewrites history.
      const tamper = openDatabase({ file }).db;
      tamper.exec('DROP TRIGGER audit_log_no_update');
      tamper.prepare(`UPDATE audit_log SET input_json = '{"platform_entity":"HQ","return_window_days":3}' WHERE seq = 2`).run();
      tamper.close();

      const bad = ventil(['audit', 'verify', '--db', file]);
      expect(bad.status).toBe(1);
      expect(bad.stderr).toMatch(/row 2 \(network\.settings\.update by system at [^)]+\) no longer matches its hash/);
      expect(bad.stderr).toMatch(/audit_log_no_update .* is missing/);
      const json = JSON.parse(ventil(['audit', 'verify', '--db', file, '--json']).stdout);
      expect(json).toMatchObject({ ok: false, rows: 3 });
      expect(json.problems.map((p: { seq: number | null; code: string }) => [p.seq, p.code])).toEqual([[null, 'trigger_missing'], [2, 'content_changed']]);
    });

    it('names the next row when a row\'s hash was recomputed to hide a change', () => {
      const { db, ctx } = seeded();
      callApi(ctx, 'network.settings.update', { platform_entity: 'HQ', return_window_days: 30 });
      callApi(ctx, 'network.settings.update', { platform_entity: 'HQ', return_window_days: 31 });
      db.exec('DROP TRIGGER audit_log_no_update');
      const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Parameters<typeof auditHash>[1] & { prev_hash: string };
      const forged = { ...row, input_json: '{"platform_entity":"HQ","return_window_days":99}' };
      db.prepare('UPDATE audit_log SET input_json = ?, hash = ? WHERE seq = 2').run(forged.input_json, auditHash(row.prev_hash, forged));
      const report = verifyAuditLog(db);
      expect(report.ok).toBe(false);
      expect(report.problems.filter((p) => p.seq !== null)).toEqual([expect.objectContaining({ seq: 3, code: 'broken_link' })]);
    });
  });
});

describe('audit.list and audit.export', () => {
  function withHistory() {
    const env = seeded();
    const { ctx } = env;
    callApi(ctx, 'users.create', { name: 'Lille', login: 'lille', role: 'store_manager', entities: ['LILLE'], password: 'lille-password-1' });
    callApi(ctx, 'users.create', { name: 'Lyon', login: 'lyon', role: 'store_manager', entities: ['LYON'], password: 'lyon-password-12' });
    callApi(ctx, 'users.create', { name: 'Both', login: 'both', role: 'store_manager', entities: ['LYON', 'LILLE'], password: 'both-password-12' });
    callApi(env.as(lyonManager), 'network.catchments.delete', { postcode_prefix: '59' }); // forbidden, recorded as Lyon's
    return env;
  }

  it('shows head office and auditors everything, newest first, page by page', () => {
    const { as } = withHistory();
    const first = callApi(as(auditor), 'audit.list', { limit: 2 }) as { ok: true; value: { total: number; rows: { seq: number }[]; next_before: number } };
    expect(first.value.total).toBe(5);
    expect(first.value.rows.map((r) => r.seq)).toEqual([5, 4]);
    const second = callApi(as(auditor), 'audit.list', { limit: 2, before: first.value.next_before }) as typeof first;
    expect(second.value.rows.map((r) => r.seq)).toEqual([3, 2]);
    expect(callApi(as(auditor), 'audit.list', { operation: 'users.*' })).toMatchObject({ ok: true, value: { total: 3 } });
    expect(callApi(as(auditor), 'audit.list', { outcome: 'refused' })).toMatchObject({ ok: true, value: { total: 1, rows: [{ actor: { id: 'u-lyon' } }] } });
    expect(callApi(as(auditor), 'audit.list', { entity: 'LILLE' })).toMatchObject({ ok: true, value: { total: 2 } });
  });

  it('shows a store manager their entity\'s rows and their own, hiding what concerns others', () => {
    const { as } = withHistory();
    const r = callApi(as(lyonManager), 'audit.list', {}) as { ok: true; value: { rows: { seq: number; operation: string; entities: string[]; redacted: boolean; input: unknown }[] } };
    expect(r.value.rows.map((x) => [x.seq, x.redacted])).toEqual([[5, false], [4, true], [3, false]]);
    const shared = r.value.rows.find((x) => x.seq === 4)!;
    expect(shared).toMatchObject({ entities: ['LYON'], input: null, before: null, after: null });
    expect(callApi(as(lyonManager), 'audit.list', { entity: 'LILLE' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // A controller of AURA sees LYON's rows too, not LILLE's.
    const c = callApi(as(auraController), 'audit.list', {}) as typeof r;
    expect(c.value.rows.map((x) => x.seq)).toEqual([4, 3]);
  });

  it('exports CSV with one line per row, scoped the same way', () => {
    const { as } = withHistory();
    const all = callApi(as(auditor), 'audit.export', {}) as { ok: true; value: { csv: string; rows: number; filename: string } };
    expect(all.value.rows).toBe(5);
    expect(all.value.filename).toBe('ventil-audit-20260401.csv');
    const lines = all.value.csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,at,actor_id,actor_name,actor_role,operation,outcome,entities,input,before,after,prev_hash,hash');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '3', '4', '5']);
    const mine = callApi(as(lyonManager), 'audit.export', {}) as typeof all;
    expect(mine.value.rows).toBe(3);
    expect(mine.value.csv).not.toContain('lille-password');
    expect(mine.value.csv).not.toContain('"login"":""lille""');
  });
});
