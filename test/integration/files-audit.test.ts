// Files and the audit trail's anchor (issue 16, items 10 and 11): `ventil export` never
// overwrites a file without --force; deleting the newest audit rows is caught by checking the
// chain against a head hash kept elsewhere, and every ERP batch carries that head.
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { openDatabase } from '../../core/store/database.js';
import { openSqlite } from '../../core/store/sqlite.js';
import { ventil, ventilHere } from '../helpers/cli.js';
import { sendAllInvoices } from '../helpers/books.js';
import { exampleFile, tempDir } from '../helpers/db.js';

const tmp = tempDir('ventil-files-');
afterAll(() => tmp.cleanup());

/** A database with the example imported by the command (in this process). */
async function importedDb(name: string): Promise<string> {
  const db = join(tmp.dir, `${name}.db`);
  const r = await ventilHere(['import', exampleFile('network-basic.json'), '--db', db]);
  if (r.status !== 0) throw new Error(r.stderr);
  return db;
}

describe('item 10: ventil export refuses to overwrite a file', () => {
  it('exits 2 and leaves the file as it was, unless --force', async () => {
    const db = await importedDb('export');
    const out = join(tmp.dir, 'out');
    const args = ['export', 'csv', '--entity', 'HQ', '--period', '2026-03', '--out', out, '--db', db];
    const first = await ventilHere(args);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const file = join(out, 'HQ_journal_2026-03.csv');
    writeFileSync(file, 'an accountant\'s edited copy\n');
    utimesSync(file, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    // The real command, once: its exit status.
    const again = ventil([...args, '--json']);
    expect(again.status).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: false, error: { code: 'file_exists', message: expect.stringContaining('--force') } });
    expect(readFileSync(file, 'utf8')).toBe('an accountant\'s edited copy\n');
    expect(statSync(file).mtime.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    const forced = await ventilHere([...args, '--force']);
    expect(forced.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^entity,journal,/);
  });
});

describe('item 11: the audit trail is anchored outside the database', () => {
  it('prints the head and the row count, and --expect catches the newest rows deleted', async () => {
    const db = await importedDb('audit');
    const first = await ventilHere(['audit', 'verify', '--db', db, '--json']);
    expect(first.status).toBe(0);
    const anchor = JSON.parse(first.stdout) as { ok: boolean; rows: number; head: string };
    expect(anchor).toMatchObject({ ok: true, rows: 1, head: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await ventilHere(['audit', 'verify', '--db', db])).stdout).toMatch(new RegExp(`1 row\\(s\\), head ${anchor.head}`));

    // More work, then the published anchor still checks out.
    for (const login of ['auditor1', 'auditor2']) {
      expect((await ventilHere(['users', 'create', '--login', login, '--role', 'auditor', '--db', db], { VENTIL_PASSWORD: 'a long enough password' })).status).toBe(0);
    }
    const grown = JSON.parse((await ventilHere(['audit', 'verify', '--db', db, '--json'])).stdout) as { rows: number; head: string };
    expect(grown.rows).toBeGreaterThan(anchor.rows);
    const ok = await ventilHere(['audit', 'verify', '--db', db, '--expect', anchor.head, '--json']);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, anchor: { head: anchor.head, row: 1 } });

    // Someone with the file drops the trigger and deletes the newest rows (a shorter chain is
    // still a valid chain): only the anchor kept elsewhere tells.
    const raw = openSqlite(db);
    raw.exec('DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > 1;');
    raw.exec("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;");
    raw.close();
    expect((await ventilHere(['audit', 'verify', '--db', db])).status).toBe(0);
    // The real command, once: its exit status and message.
    const caught = ventil(['audit', 'verify', '--db', db, '--expect', grown.head]);
    expect(caught.status).toBe(1);
    expect(caught.stderr).toMatch(/anchor .* is not in the chain/);
    expect((await ventilHere(['audit', 'verify', '--db', db, '--expect', 'not-a-hash'])).status).toBe(2);
  });

  it('sends the head with each ERP batch', () => {
    const { db } = openDatabase({ file: ':memory:', now: () => new Date('2026-06-01T12:00:00Z') });
    const ctx = createContext(db, { now: () => new Date('2026-06-01T12:00:00Z') });
    const scenario = JSON.parse(readFileSync(exampleFile('network-basic.json'), 'utf8'));
    scenario.network.entities = scenario.network.entities.map((e: { id: string }) => ({ ...e, erp_code: `ERP-${e.id}` }));
    expect(callApi(ctx, 'scenario.import', { scenario })).toMatchObject({ ok: true });
    const head = () => db.prepare('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string };
    sendAllInvoices(ctx);
    const before = head();
    const closed = callApi(ctx, 'journal.periods.close', { entity: 'LYON', period: '2026-03' });
    expect(closed).toMatchObject({ ok: true });
    const payload = JSON.parse(db.prepare("SELECT payload_json FROM outbox WHERE kind = 'erp.push'").pluck().get() as string);
    // The head when the batch was queued: the rows before the closing itself.
    expect(payload.audit_anchor).toEqual({ head: before.hash, rows: before.seq });
    // Pushing the month again, once the trail has grown, keeps the batch as first queued.
    expect(head().seq).toBeGreaterThan(before.seq);
    expect(callApi(ctx, 'journal.push', { entity: 'LYON', period: '2026-03' })).toMatchObject({ ok: true });
    expect(JSON.parse(db.prepare("SELECT payload_json FROM outbox WHERE kind = 'erp.push' AND entity = 'LYON'").pluck().get() as string)).toEqual(payload);
  });
});
