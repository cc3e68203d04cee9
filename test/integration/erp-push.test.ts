// ERP push through the outbox: closing a month queues one batch per entity in the same
// transaction; the outbox runner sends it with its idempotency key to a fake ERP on 127.0.0.1
// that fails, resets connections after applying, and answers too late, so batches arrive several
// times: each is applied once by the ERP and acknowledged once in Ventil. The file drop writes the
// month's FEC and CSV atomically and idempotently.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileDropErp } from '../../core/adapters/erp-file-drop.js';
import { HttpsJsonErp } from '../../core/adapters/erp-https.js';
import { loadErpConfig } from '../../core/adapters/erp.js';
import { PspError } from '../../core/adapters/psp.js';
import { createRegistry } from '../../core/adapters/registry.js';
import { checkFec } from '../../core/domain/fec.js';
import type { Db } from '../../core/store/db.js';
import { enqueue } from '../../core/sync/outbox.js';
import { OutboxRunner } from '../../core/sync/runner.js';
import { startFakeErp } from '../fakes/fake-erp.js';
import { sendAllInvoices } from '../helpers/books.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, call, clocked, freshDb, importInto, ok, type Json } from '../helpers/lifecycle.js';

const tmp = tempDir('ventil-erp-');
afterAll(() => tmp.cleanup());

/** The example network with March closed for every entity: four erp.push rows queued. */
function closedMarch(): { db: Db; clock: ReturnType<typeof clocked> } {
  const db = freshDb();
  const clock = clocked(db, '2026-04-02T08:00:00Z');
  importInto(clock.ctx, basicScenario());
  sendAllInvoices(clock.ctx);
  for (const e of ['HQ', 'LILLE', 'LYON', 'VILL']) ok(call(clock.ctx, 'journal.periods.close', { entity: e, period: '2026-03' }));
  return { db, clock };
}

const rows = (db: Db) => db.prepare("SELECT * FROM outbox WHERE kind = 'erp.push' ORDER BY id").all() as Json[];

async function drainUntilDone(runner: OutboxRunner, db: Db, clock: { set(t: string): void; now: Date }) {
  for (let i = 0; i < 40; i++) {
    await runner.drain();
    if (rows(db).every((r) => r.status === 'sent' || r.status === 'dead')) return;
    clock.set(new Date(clock.now.getTime() + 3_600_000).toISOString()); // past any backoff
  }
}

describe('ERP push', () => {
  it('queues one batch per entity and closed month, in the closing transaction, once', () => {
    const { db, clock } = closedMarch();
    const queued = rows(db);
    expect(queued.map((r) => r.idempotency_key)).toEqual(['ventil.erp:HQ:2026-03', 'ventil.erp:LILLE:2026-03', 'ventil.erp:LYON:2026-03', 'ventil.erp:VILL:2026-03']);
    const p = JSON.parse(queued[2].payload_json);
    expect(p).toMatchObject({ entity: 'LYON', period: '2026-03', format: 'ventil.erp-batch/1', erp_code: '2100', currency: 'EUR' });
    expect(p.debit).toBe(p.credit);
    expect(p.entries).toBe(db.prepare("SELECT count(*) FROM journal_entries WHERE entity = 'LYON' AND entry_date LIKE '2026-03-%'").pluck().get());
    // Asking again changes nothing: the key names the month.
    ok(call(clock.ctx, 'journal.push', { entity: 'LYON', period: '2026-03' }));
    expect(rows(db)).toHaveLength(4);
    expect(call(clock.ctx, 'journal.push', { entity: 'LYON', period: '2026-04' })).toMatchObject({ ok: false, error: { code: 'period_not_closed' } });
  });

  it('delivers each batch exactly once to an ERP that fails and sees duplicates', async () => {
    const { db, clock } = closedMarch();
    const erp = await startFakeErp({ script: ['500', 'apply_then_reset', 'ok', 'apply_then_late', '429', 'ok', 'apply_then_reset'], lateMs: 1500 });
    try {
      const adapter = new HttpsJsonErp(db, { url: erp.url, token: 'erp-secret', timeoutMs: 500 });
      const runner = new OutboxRunner({ db, registry: createRegistry(null, adapter), now: () => clock.now, random: () => 0.5, policy: { baseMs: 1000, maxMs: 60_000, maxAttempts: 12, callTimeoutMs: 500 } });
      await drainUntilDone(runner, db, clock);
      runner.release();
      const sent = rows(db);
      expect(sent.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
      // The ERP holds each batch once, though it was sent more than once.
      expect([...erp.batches.keys()].sort()).toEqual(sent.map((r) => r.idempotency_key).sort());
      expect(erp.log.length).toBeGreaterThan(5);
      expect(erp.log.filter((l) => l.duplicate).length).toBeGreaterThanOrEqual(2);
      for (const r of sent) {
        const attempts = db.prepare('SELECT outcome FROM outbox_attempts WHERE outbox_id = ? ORDER BY seq').pluck().all(r.id) as string[];
        expect(attempts.filter((o) => o === 'sent')).toHaveLength(1);
        const ack = JSON.parse(r.response_json);
        expect(ack.id).toBe(erp.batches.get(r.idempotency_key)!.id);
        expect(r.adapter).toBe('erp-https');
        const got = erp.batches.get(r.idempotency_key)!;
        expect(got.headers['idempotency-key']).toBe(r.idempotency_key);
        expect(got.headers.authorization).toBe('Bearer erp-secret');
        expect(got.body.format).toBe('ventil.erp-batch/1');
        expect(got.body.totals.debit).toBe(got.body.totals.credit);
        expect(got.body.entries.length).toBe(JSON.parse(r.payload_json).entries);
      }
      // Nothing left to send: another pass calls nobody.
      const before = erp.log.length;
      clock.set('2026-05-01T00:00:00Z');
      await runner.drain();
      runner.release();
      expect(erp.log.length).toBe(before);
    } finally {
      await erp.close();
    }
  });

  it('refuses a batch whose entries differ from what was queued (dead, not sent)', async () => {
    const { db, clock } = closedMarch();
    const erp = await startFakeErp();
    try {
      db.transaction(() => enqueue(db, { kind: 'erp.push', idempotencyKey: 'ventil.erp:LYON:tampered', now: clock.now, payload: { entity: 'LYON', period: '2026-03', digest: 'not-the-digest' } }))();
      const runner = new OutboxRunner({ db, registry: createRegistry(null, new HttpsJsonErp(db, { url: erp.url, token: null, timeoutMs: 1000 })), now: () => clock.now, random: () => 0.5 });
      await drainUntilDone(runner, db, clock);
      runner.release();
      const bad = rows(db).find((r) => r.idempotency_key === 'ventil.erp:LYON:tampered')!;
      expect(bad.status).toBe('dead');
      expect(bad.last_error_code).toBe('batch_changed');
      expect(erp.batches.has('ventil.erp:LYON:tampered')).toBe(false);
    } finally {
      await erp.close();
    }
  });

  it('drops the month\'s FEC and CSV in a folder, atomically and idempotently', async () => {
    const { db, clock } = closedMarch();
    const dir = join(tmp.dir, 'drop');
    mkdirSync(dir);
    const adapter = new FileDropErp(db, { dir, formats: ['fec', 'csv', 'json'] });
    const runner = new OutboxRunner({ db, registry: createRegistry(null, adapter), now: () => clock.now, random: () => 0.5 });
    await drainUntilDone(runner, db, clock);
    runner.release();
    expect(rows(db).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
    const files = readdirSync(dir).sort();
    expect(files).toContain('802314740FEC20260331.txt');
    expect(files).toContain('LYON_2026-03.csv');
    expect(files).toContain('HQ_2026-03.json');
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    const fec = new TextDecoder('iso-8859-15').decode(readFileSync(join(dir, '552100554FEC20260331.txt')));
    expect(checkFec(fec, { start: '2026-03-01', end: '2026-03-31', sequential: false }).ok).toBe(true);
    // Sending the same batch again acknowledges the files already there.
    const payload = JSON.parse(rows(db)[0].payload_json);
    const again = await adapter.push(payload, { idempotencyKey: rows(db)[0].idempotency_key });
    expect(again.id).toBe(JSON.parse(rows(db)[0].response_json).id);
    // Another file under the same name is never overwritten.
    writeFileSync(join(dir, 'HQ_2026-03.csv'), 'something else');
    await expect(adapter.push(payload, { idempotencyKey: rows(db)[0].idempotency_key })).rejects.toMatchObject({ disposition: 'permanent', code: 'file_conflict' });
    // A folder that is not there (an unmounted share) waits as offline.
    const away = new FileDropErp(db, { dir: join(tmp.dir, 'not-mounted'), formats: ['fec'] });
    await expect(away.push(payload, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(PspError);
    await expect(away.push(payload, { idempotencyKey: 'k' })).rejects.toMatchObject({ disposition: 'offline' });
  });

  it('reads its configuration from the environment, secrets never from the config file', () => {
    expect(loadErpConfig({})).toEqual({ erp: 'none' });
    expect(loadErpConfig({ VENTIL_ERP: 'https', VENTIL_ERP_URL: 'https://erp.example/batches', VENTIL_ERP_TOKEN: 't' })).toEqual({ erp: 'https', https: { url: 'https://erp.example/batches', token: 't', timeoutMs: 30_000 } });
    expect(() => loadErpConfig({ VENTIL_ERP: 'https', VENTIL_ERP_URL: 'http://erp.example/batches' })).toThrow(/must be https/);
    expect(loadErpConfig({ VENTIL_ERP: 'file', VENTIL_ERP_DIR: '/srv/erp', VENTIL_ERP_FORMATS: 'fec' })).toEqual({ erp: 'file', file: { dir: '/srv/erp', formats: ['fec'] } });
    const cfg = join(tmp.dir, 'config.json');
    writeFileSync(cfg, JSON.stringify({ erp: { type: 'https', url: 'https://erp.example', token: 'leaked' } }));
    expect(() => loadErpConfig({}, cfg)).toThrow(/holds an ERP token/);
  });
});
