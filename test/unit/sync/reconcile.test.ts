// Reconciliation: the sandbox PSP's settlement report matches what Ventil sent, line for line;
// each kind of difference is named, per entity; runs are stored and listed within scope.
import { describe, expect, it } from 'vitest';
import { callApi } from '../../../core/api/index.js';
import type { Principal } from '../../../core/api/principal.js';
import { createRegistry } from '../../../core/adapters/registry.js';
import { SandboxPsp } from '../../../core/adapters/sandbox-psp.js';
import { parseCsv } from '../../../core/sync/csv.js';
import { enqueue, getOutboxRowByKey } from '../../../core/sync/outbox.js';
import { refundKey, transferKey } from '../../../core/sync/payloads.js';
import { parseMajor, parseSettlementCsv, settlementCsv, SETTLEMENT_COLUMNS } from '../../../core/sync/reconcile.js';
import { OutboxRunner } from '../../../core/sync/runner.js';
import type { Db } from '../../../core/store/db.js';
import { FROZEN_NOW, memoryDb, readExample, testContext } from '../../helpers/db.js';

const RANGE = { from: '2026-01-01T00:00:00.000Z', to: '2026-12-31T00:00:00.000Z' };

/** network-basic imported; a release run's transfers and a refund sent through the sandbox. */
async function sentThroughSandbox(): Promise<{ db: Db; csv: string; psp: SandboxPsp }> {
  const db = memoryDb();
  const r = callApi(testContext(db), 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  db.transaction(() => {
    enqueue(db, { kind: 'psp.transfer', idempotencyKey: transferKey('R1', 'LYON', 'EUR'), payload: { entity: 'LYON', currency: 'EUR', amount: 12_000, release_run: 'R1', orders: [{ order: 'W-1001', amount: 12_000 }] } });
    enqueue(db, { kind: 'psp.transfer', idempotencyKey: transferKey('R1', 'VILL', 'EUR'), payload: { entity: 'VILL', currency: 'EUR', amount: 6_500, release_run: 'R1', orders: [{ order: 'W-1002', amount: 6_500 }] } });
    enqueue(db, { kind: 'psp.refund', idempotencyKey: refundKey('W-1003', 'return-1'), payload: { order: 'W-1003', currency: 'EUR', amount: 1_190 } });
  })();
  const psp = new SandboxPsp(db, () => FROZEN_NOW);
  const runner = new OutboxRunner({ db, registry: createRegistry(psp), now: () => FROZEN_NOW });
  await runner.drain();
  runner.release();
  const csv = settlementCsv(await psp.settlementReport(RANGE));
  return { db, csv, psp };
}

/** Edits the CSV as rows of objects. */
function edit(csv: string, f: (rows: Record<string, string>[]) => Record<string, string>[]): string {
  const { rows } = parseCsv(csv);
  const header = rows[0];
  const objs = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  return settlementCsv(f(objs) as never);
}

const run = (db: Db, csv: string, principal?: Principal) => {
  const r = callApi(testContext(db, principal), 'sync.reconciliation.import', { csv, source: 'test.csv', psp: 'sandbox', ...RANGE });
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message} ${JSON.stringify(r.error.issues)}`);
  return r.value as { run_id: number; matched: number; mismatches: number; by_status: Record<string, number>; by_entity: Record<string, { matched: number; mismatches: number }>; items: { status: string; category: string; entity: string | null; expected: number | null; actual: number | null; message: string }[] };
};

describe('settlement report parsing', () => {
  it('reads amounts exactly in each currency\'s minor unit', () => {
    expect(parseMajor('12.34', 'EUR')).toBe(1234);
    expect(parseMajor('-0.05', 'EUR')).toBe(-5);
    expect(parseMajor('1200', 'JPY')).toBe(1200);
    expect(parseMajor('100.00', 'JPY')).toBe(100);
    expect(parseMajor('1.50', 'JPY')).toBeNull();
    expect(parseMajor('1.234', 'BHD')).toBe(1234);
    expect(parseMajor('0.1', 'EUR')).toBe(10);
    expect(parseMajor('1.005', 'EUR')).toBeNull();
    expect(parseMajor('1e3', 'EUR')).toBeNull();
    expect(parseMajor('19.99', 'EUR')).toBe(1999); // 19.99 * 100 is 1998.9999… in binary floating point
  });

  it('accepts Stripe\'s column names, quoted fields, and reports every problem with its line', () => {
    const ok = parseSettlementCsv('id,created,type,source,currency,amount,fee,net,"transfer_metadata[ventil_key]"\r\ntxn_1,2026-03-01 10:00:00,transfer,tr_1,eur,"-10.00",0.00,-10.00,"k,1"\r\n');
    expect(ok.issues).toEqual([]);
    expect(ok.rows[0]).toMatchObject({ id: 'txn_1', category: 'transfer', gross: -1000, currency: 'EUR', ventilKey: 'k,1', created: '2026-03-01T10:00:00.000Z' });
    const bad = parseSettlementCsv(`${SETTLEMENT_COLUMNS.join(',')}\ntxn_1,2026-03-01T00:00:00Z,charge,ch_1,eur,12.345,0,12.345,,,,,,,\ntxn_2,someday,charge,ch_2,eur,1.00,0.10,1.00,,,,,,,\ntxn_2,2026-03-01T00:00:00Z,charge,ch_3,eur,1,0,1,,,,,,,\n`);
    expect(bad.issues.map((i) => [i.path, i.code])).toEqual([
      ['line 2.gross', 'invalid_value'], ['line 2.net', 'invalid_value'],
      ['line 3.created_utc', 'invalid_value'],
      ['line 4.balance_transaction_id', 'duplicate_row'],
    ]);
    expect(parseSettlementCsv('id,amount\n1,2\n').issues.map((i) => i.code)).toContain('missing_column');
  });
});

describe('reconciliation', () => {
  it('matches every capture, fee, transfer and refund of the sandbox report', async () => {
    const { db, csv } = await sentThroughSandbox();
    const r = run(db, csv);
    expect(r.mismatches).toBe(0);
    expect(r.by_status).toEqual({ matched: 5 * 2 + 2 + 1 }); // 5 captures and their fees, 2 transfers, 1 refund
    expect(r.by_entity).toMatchObject({ LYON: { matched: 1, mismatches: 0 }, VILL: { matched: 1, mismatches: 0 }, HQ: { matched: 11, mismatches: 0 } });
  });

  it('names each difference, per entity', async () => {
    const { db, csv } = await sentThroughSandbox();
    const lyonKey = transferKey('R1', 'LYON', 'EUR');
    const tampered = edit(csv, (rows) => {
      const out = rows
        .map((r) => (r.entity === 'LYON' && r.reporting_category === 'transfer' ? { ...r, gross: '-119.99', net: '-119.99' } : r)) // amount differs
        .filter((r) => !(r.entity === 'VILL' && r.reporting_category === 'transfer')) // missing at the PSP
        .map((r) => (r.source_id === 'PAY-1002' ? { ...r, fee: '9.99', net: (9000 - 999) / 100 + '' } : r)); // fee differs
      const lyon = rows.find((r) => r.entity === 'LYON' && r.reporting_category === 'transfer')!;
      out.push({ ...lyon, balance_transaction_id: 'txn_dup', source_id: 'tr_other' }); // the same call applied twice
      out.push({ ...lyon, balance_transaction_id: 'txn_x', source_id: 'tr_stranger', ventil_key: '', entity: '', gross: '-5.00', net: '-5.00' }); // unknown to Ventil
      return out;
    });
    const r = run(db, tampered);
    const by = (status: string) => r.items.filter((i) => i.status === status);
    expect(by('amount_differs')).toEqual([expect.objectContaining({ category: 'transfer', entity: 'LYON', expected: 12_000, actual: 11_999 })]);
    expect(by('missing_at_psp')).toEqual([expect.objectContaining({ category: 'transfer', entity: 'VILL', expected: 6_500, actual: null })]);
    expect(by('fee_differs')).toEqual([expect.objectContaining({ category: 'fee', entity: 'HQ', actual: 999 })]);
    expect(by('duplicate')).toEqual([expect.objectContaining({ category: 'transfer', entity: 'LYON', message: expect.stringContaining(lyonKey) })]);
    expect(by('missing_in_ventil')).toEqual([expect.objectContaining({ category: 'transfer', actual: 500 })]);
    expect(r.by_entity.LYON).toEqual({ matched: 0, mismatches: 2 });

    // Stored, and listed per entity within the caller's scope.
    const lyonManager: Principal = { userId: 'u-lyon', name: 'Lyon', role: 'store_manager', regions: [], entities: ['LYON'] };
    const listed = callApi(testContext(db, lyonManager), 'sync.reconciliation.list', {});
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    const v = listed.value as { run: { id: number; mismatches: number }; items: { entity: string; status: string }[] };
    expect(v.run).toMatchObject({ id: r.run_id, mismatches: 2 });
    expect(new Set(v.items.map((i) => i.entity))).toEqual(new Set(['LYON']));
    expect(callApi(testContext(db, lyonManager), 'sync.reconciliation.list', { entity: 'VILL' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(callApi(testContext(db, lyonManager), 'sync.reconciliation.import', { csv, source: 'x' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('marks a mismatch as explained with a note, once, by head office; unexplained ones are anomalies', async () => {
    const { db, csv } = await sentThroughSandbox();
    const r = run(db, edit(csv, (rows) => rows.filter((x) => !(x.entity === 'VILL' && x.reporting_category === 'transfer'))));
    const lyonManager: Principal = { userId: 'u-lyon', name: 'Lyon', role: 'store_manager', regions: [], entities: ['LYON'] };
    const anomalies = () => (callApi(testContext(db), 'anomalies.list', {}) as { ok: true; value: { anomalies: { kind: string }[] } }).value.anomalies.filter((a) => a.kind === 'reconciliation_mismatch');
    expect(anomalies()).toHaveLength(1);
    const listed = callApi(testContext(db), 'sync.reconciliation.list', {});
    if (!listed.ok) throw new Error(listed.error.message);
    const item = (listed.value as { items: { seq: number; status: string; explanation: unknown }[] }).items.find((i) => i.status === 'missing_at_psp')!;
    expect(item.explanation).toBeNull();
    const input = { run_id: r.run_id, seq: item.seq, note: 'VILL transfer paid on 2 April, after the report' };
    expect(callApi(testContext(db, lyonManager), 'sync.reconciliation.explain', input)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(callApi(testContext(db), 'sync.reconciliation.explain', { ...input, note: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(callApi(testContext(db), 'sync.reconciliation.explain', input)).toMatchObject({ ok: true, value: { status: 'missing_at_psp', explanation: { note: input.note } } });
    expect(callApi(testContext(db), 'sync.reconciliation.explain', input)).toMatchObject({ ok: false, error: { code: 'already_explained' } });
    const again = callApi(testContext(db), 'sync.reconciliation.list', {});
    if (!again.ok) throw new Error(again.error.message);
    expect((again.value as { items: { seq: number; explanation: { note: string } | null }[] }).items.find((i) => i.seq === item.seq)!.explanation).toMatchObject({ note: input.note });
    expect(anomalies()).toHaveLength(0);
    expect(db.prepare("SELECT count(*) FROM audit_log WHERE operation = 'sync.reconciliation.explain' AND outcome = 'ok'").pluck().get()).toBe(1);
  });

  it('finds calls the PSP applied but Ventil never recorded, and records them', async () => {
    const { db, csv } = await sentThroughSandbox();
    const key = transferKey('R1', 'LYON', 'EUR');
    // As if the process had died after the PSP applied the call: no acknowledgement, no object.
    db.prepare('DELETE FROM psp_objects WHERE outbox_key = ?').run(key);
    db.prepare("UPDATE outbox SET status = 'failed', sent_at = NULL WHERE idempotency_key = ?").run(key);
    const r = run(db, csv);
    expect(r.items.filter((i) => i.status !== 'matched')).toEqual([expect.objectContaining({ status: 'ack_missing', entity: 'LYON', expected: 12_000, actual: 12_000 })]);
    expect(getOutboxRowByKey(db, key)!.status).toBe('sent');
    expect(run(db, csv).mismatches).toBe(0);
  });

  it('refuses a malformed report as a whole', async () => {
    const { db } = await sentThroughSandbox();
    const r = callApi(testContext(db), 'sync.reconciliation.import', { csv: 'balance_transaction_id,gross\n"unterminated\n', source: 'bad.csv' });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_report' } });
    expect(db.prepare('SELECT COUNT(*) FROM reconciliation_runs').pluck().get()).toBe(0);
  });
});
