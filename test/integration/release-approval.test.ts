// Release runs as finance reviews them: the preview says what each entity gets and why, with
// totals per currency; above the network's threshold a run needs a second person's approval
// (four eyes: the preparer cannot approve), the approval holds for that exact plan only, and
// the history shows where each transfer stands at the PSP.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../core/api/principal.js';
import { mergePspObject } from '../../core/sync/psp-state.js';
import { basicScenario, call, clocked, err, finance, freshDb, importInto, manager, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';

const admin: Principal = { userId: 'adm', name: 'Alice Admin', role: 'admin', regions: [], entities: [] };
const AS_OF = '2026-03-20T00:00:00Z';

function setup(threshold: Record<string, number> = {}) {
  const db = freshDb();
  const clock = clocked(db, '2026-03-20T01:00:00Z');
  const s = basicScenario({ network: { release_approval_threshold: threshold }, orders: [shipFromStore('W-3001', '2026-03-02T10:00:00Z', ['ST-VILL'], { quantity: 1, unitPrice: 12000 })] });
  s.events.push(
    { type: 'fulfilment_accepted', order: 'W-3001', line: '1', location: 'ST-VILL', at: '2026-03-02T11:00:00Z' },
    { type: 'line_shipped', order: 'W-3001', line: '1', at: '2026-03-02T15:00:00Z' },
    { type: 'line_delivered', order: 'W-3001', line: '1', at: '2026-03-03T10:00:00Z' },
  );
  importInto(clock.ctx, s);
  return { db, ...clock, fin: clock.as(finance), adm: clock.as(admin) };
}

describe('release review and four eyes', () => {
  it('previews each entity\'s amount with why, and the totals per currency', () => {
    const { ctx } = setup();
    const p = ok(call(ctx, 'release.preview', { as_of: AS_OF }));
    expect(p.transfers.length).toBeGreaterThan(1);
    for (const t of p.transfers as Json[]) {
      expect(t.reason.orders).toBe(t.orders.length);
      expect(t.reason.paid - t.reason.netted).toBe(t.kind === 'reversal' ? -t.amount : t.amount);
    }
    const eur = p.totals.find((x: Json) => x.currency === 'EUR');
    const sum = (kind: string) => (p.transfers as Json[]).filter((t) => t.kind === kind).reduce((s, t) => s + t.amount, 0);
    expect(eur).toMatchObject({ transferred: sum('transfer'), withdrawn: sum('withdrawal'), outgoing: sum('transfer') + sum('withdrawal') });
    expect(p.approval).toEqual({ required: false, over: [], threshold: {} });
    expect(p.plan_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('above the threshold, refuses to run without an approval given by someone other than the preparer', () => {
    const { db, fin, adm } = setup({ EUR: 100 });
    const preview = ok(call(fin, 'release.preview', { as_of: AS_OF }));
    expect(preview.approval.required).toBe(true);
    expect(err(call(fin, 'release.run', { as_of: AS_OF })).code).toBe('approval_required');
    expect(db.prepare('SELECT count(*) FROM release_runs').pluck().get()).toBe(0);

    const submitted = ok(call(fin, 'release.submit', { as_of: AS_OF }));
    expect(submitted).toMatchObject({ status: 'pending', plan_hash: preview.plan_hash, prepared_by: { id: 'fin', name: 'Finance' } });
    expect(err(call(fin, 'release.run', { approval: submitted.id })).code).toBe('approval_not_approved');
    // Four eyes: the preparer cannot approve.
    const own = err(call(fin, 'release.approve', { id: submitted.id }));
    expect(own.code).toBe('four_eyes');
    const approved = ok(call(adm, 'release.approve', { id: submitted.id }));
    expect(approved).toMatchObject({ status: 'approved', decided_by: { id: 'adm', name: 'Alice Admin' } });
    expect(err(call(adm, 'release.approve', { id: submitted.id })).code).toBe('approval_decided');

    // Once approved, anyone in head office runs it (the preparer too), once.
    const r = ok(call(fin, 'release.run', { approval: submitted.id }));
    expect(r.run.id).toBeTruthy();
    expect(r.transfers.map((t: Json) => t.idempotency_key)).toEqual(preview.transfers.map((t: Json) => t.idempotency_key));
    const list = ok(call(fin, 'release.approvals', {}));
    expect(list.approvals[0]).toMatchObject({ id: submitted.id, status: 'executed', run_id: r.run.id });
    expect(list.threshold).toEqual({ EUR: 100 });
    // Every step is in the audit trail, with who did it.
    const ops = db.prepare("SELECT operation, actor_id, outcome FROM audit_log WHERE operation LIKE 'release.%' ORDER BY seq").all();
    expect(ops).toEqual([
      { operation: 'release.submit', actor_id: 'fin', outcome: 'ok' },
      { operation: 'release.approve', actor_id: 'adm', outcome: 'ok' },
      { operation: 'release.run', actor_id: 'fin', outcome: 'ok' },
    ]);
  });

  it('holds an approval for its plan only: another moment, or a changed plan, must be submitted again', () => {
    const { fin, adm, set } = setup({ EUR: 100 });
    const a = ok(call(fin, 'release.submit', { as_of: AS_OF }));
    ok(call(adm, 'release.approve', { id: a.id }));
    set('2026-04-20T01:00:00Z');
    expect(err(call(fin, 'release.run', { as_of: '2026-04-20T00:00:00Z', approval: a.id })).code).toBe('plan_changed');
    // A newer submission replaces a pending one; a rejection needs a note and is final.
    const b = ok(call(fin, 'release.submit', { as_of: '2026-04-20T00:00:00Z' }));
    const c = ok(call(fin, 'release.submit', { as_of: '2026-04-20T00:00:00Z' }));
    const statuses = Object.fromEntries((ok(call(fin, 'release.approvals', {})).approvals as Json[]).map((x) => [x.id, x.status]));
    expect(statuses).toMatchObject({ [a.id]: 'approved', [b.id]: 'withdrawn', [c.id]: 'pending' });
    expect(err(call(adm, 'release.reject', { id: c.id, note: '' })).code).toBe('invalid_input');
    expect(ok(call(adm, 'release.reject', { id: c.id, note: 'amounts to check with Lyon' }))).toMatchObject({ status: 'rejected', note: 'amounts to check with Lyon' });
    expect(err(call(adm, 'release.approve', { id: c.id })).code).toBe('approval_decided');
  });

  it('a store manager may neither preview, submit, approve nor run', () => {
    const { as } = setup({ EUR: 100 });
    const store = as(manager('VILL'));
    for (const op of ['release.preview', 'release.submit', 'release.run', 'release.approvals']) expect(err(call(store, op, { as_of: AS_OF })).code).toBe('forbidden');
  });

  it('shows each transfer\'s PSP status: queued, sent, paid, failed (dead letter or refused), reversed', () => {
    const { db, ctx } = setup();
    const r = ok(call(ctx, 'release.run', { as_of: AS_OF }));
    const transfers = (r.transfers as Json[]).filter((t) => t.kind === 'transfer');
    expect(transfers.length).toBeGreaterThanOrEqual(2);
    let got = ok(call(ctx, 'release.get', { id: r.run.id }));
    expect(new Set(got.transfers.map((t: Json) => t.psp_status))).toEqual(new Set(['queued']));

    const now = new Date('2026-03-20T02:00:00Z');
    const [paid, dead] = transfers;
    db.prepare("UPDATE outbox SET status = 'sent', sent_at = ? WHERE idempotency_key = ?").run(now.toISOString(), paid.idempotency_key);
    mergePspObject(db, 'sandbox', { id: 'tr_paid', type: 'transfer', amount: paid.amount, currency: 'EUR', status: 'paid' } as never, { source: 'ack', now, outboxKey: paid.idempotency_key });
    db.prepare("UPDATE outbox SET status = 'dead', attempts = 8, last_error = 'account closed' WHERE idempotency_key = ?").run(dead.idempotency_key);
    got = ok(call(ctx, 'release.get', { id: r.run.id }));
    const by = new Map((got.transfers as Json[]).map((t) => [t.id, t]));
    expect(by.get(paid.id)).toMatchObject({ psp_status: 'paid', psp: { id: 'tr_paid', status: 'paid' } });
    expect(by.get(dead.id)).toMatchObject({ psp_status: 'failed', delivery: { status: 'dead', attempts: 8, last_error: 'account closed' } });

    mergePspObject(db, 'sandbox', { id: 'tr_paid', type: 'transfer', amount: paid.amount, amountReversed: paid.amount, currency: 'EUR', status: 'paid' } as never, { source: 'webhook', now, outboxKey: paid.idempotency_key });
    got = ok(call(ctx, 'release.get', { id: r.run.id }));
    expect((got.transfers as Json[]).find((t) => t.id === paid.id)!.psp_status).toBe('reversed');
    const listed = ok(call(ctx, 'release.list', {})).runs[0];
    expect(listed.statuses).toMatchObject({ reversed: 1, failed: 1, queued: got.transfers.length - 2 });
  });
});
