// The sync commands through the real `ventil` binary: sync --once (sandbox PSP), sync --status,
// reconcile --fetch/--save and a report file, psp-events.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { enqueue } from '../../core/sync/outbox.js';
import { transferKey } from '../../core/sync/payloads.js';
import { ventil } from '../helpers/cli.js';
import { exampleFile, tempDir } from '../helpers/db.js';

const tmp = tempDir('ventil-sync-cli-');
afterAll(() => tmp.cleanup());
const env = { VENTIL_PSP: 'sandbox', VENTIL_CONFIG: '' };

describe('ventil sync, reconcile, psp-events', () => {
  it('drains the outbox, reports its state, reconciles and applies events', () => {
    const db = join(tmp.dir, 'ventil.db');
    expect(ventil(['import', exampleFile('network-basic.json'), '--db', db], env).status).toBe(0);
    const handle = openDatabase({ file: db }).db;
    handle.transaction(() => {
      enqueue(handle, { kind: 'psp.transfer', idempotencyKey: transferKey('CLI-1', 'LYON', 'EUR'), payload: { entity: 'LYON', currency: 'EUR', amount: 4_200, release_run: 'CLI-1', orders: [{ order: 'W-1001', amount: 4_200 }] } });
      enqueue(handle, { kind: 'psp.transfer', idempotencyKey: transferKey('CLI-1', 'VILL', 'EUR'), payload: { entity: 'VILL', currency: 'EUR', amount: 1_300, release_run: 'CLI-1', orders: [{ order: 'W-1002', amount: 1_300 }] } });
    })();
    handle.close();

    const once = ventil(['sync', '--once', '--db', db, '--json'], env);
    expect(once.status, once.stderr).toBe(0);
    expect(JSON.parse(once.stdout)).toMatchObject({ ok: true, processed: 2, sent: 2, dead: 0, psp: 'sandbox', counts: { sent: 2, pending: 0 } });

    const status = ventil(['sync', '--status', '--db', db, '--json'], env);
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, counts: { sent: 2, pending: 0, dead: 0 }, last_success: { kind: 'psp.transfer' }, config: { psp: 'sandbox' } });

    const now = Date.now();
    const from = new Date(Math.min(Date.parse('2026-01-01T00:00:00Z'), now - 86_400_000)).toISOString();
    const to = new Date(Math.max(Date.parse('2026-06-01T00:00:00Z'), now + 86_400_000)).toISOString();
    const report = join(tmp.dir, 'report.csv');
    const fetched = ventil(['reconcile', '--fetch', '--from', from, '--to', to, '--save', report, '--db', db, '--json'], env);
    expect(fetched.status, fetched.stderr).toBe(0);
    expect(JSON.parse(fetched.stdout)).toMatchObject({ ok: true, report_rows: 7, matched: 12, mismatches: 0 });

    // The saved report, with one transfer amount changed, read back as a file.
    const csv = readFileSync(report, 'utf8').replace(/,-42\.00,0\.00,-42\.00,/, ',-41.00,0.00,-41.00,');
    writeFileSync(report, csv);
    const fromFile = ventil(['reconcile', report, '--db', db, '--psp', 'sandbox', '--from', from, '--to', to], env);
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toMatch(/11 matched, 1 mismatch/);
    expect(fromFile.stdout).toMatch(/LYON\n {2}amount_differs +transfer +.*expected 4200, the PSP moved 4100 EUR/);
    expect(ventil(['reconcile', report, '--db', db, '--psp', 'sandbox', '--fail-on-mismatch'], env).status).toBe(1);
    writeFileSync(join(tmp.dir, 'bad.csv'), 'balance_transaction_id,gross\ntxn_1,"12\n');
    const bad = ventil(['reconcile', join(tmp.dir, 'bad.csv'), '--db', db, '--json'], env);
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'invalid_report' } });

    const events = join(tmp.dir, 'events.json');
    writeFileSync(events, JSON.stringify([{ id: 'evt_cli_1', object: 'event', type: 'payout.failed', created: 1774000000, data: { object: { id: 'po_x', object: 'payout', amount: 10, currency: 'eur', status: 'failed', metadata: {} } } }]));
    const applied = ventil(['psp-events', events, '--db', db, '--json'], env);
    expect(applied.status, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ ok: true, received: 1, unmatched: 1 });
  }, 120_000);
});
