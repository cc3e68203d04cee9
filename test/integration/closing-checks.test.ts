// The checks before closing a period, as the Closing view reads them (journal.periods.checks), and
// head office's money figures (finance.summary), on a network with a release run (issue 15).
import { describe, expect, it } from 'vitest';
import { basicScenario, call, clocked, err, finance, freshDb, importInto, manager, ok, type Json } from '../helpers/lifecycle.js';

function withRun() {
  const db = freshDb();
  const clock = clocked(db, '2026-03-20T01:00:00Z');
  importInto(clock.ctx, basicScenario({ network: { release_interval_days: 7 } }));
  const run = ok(call(clock.ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
  return { db, run, ...clock };
}

describe('closing checks', () => {
  it('lists a transfer the PSP has not received as a reason, for its entity and the platform, until its call is sent', () => {
    const { db, run, ctx, set, as } = withRun();
    set('2026-04-02T08:00:00Z');
    ok(call(ctx, 'journal.post', {}));
    const sent = run.transfers.find((t: Json) => t.entity === 'VILL');
    const checks = ok(call(ctx, 'journal.periods.checks', { entity: 'VILL', period: '2026-03' }));
    expect(checks).toMatchObject({ entity: 'VILL', period: { name: '2026-03', kind: 'month' }, closed: false, ended: true, closable: false });
    const transfer = checks.reasons.find((r: Json) => r.code === 'transfer_not_sent');
    expect(transfer).toMatchObject({ path: `transfers.${sent.id}`, subject: { transfer: sent.id, entity: 'VILL', amount: sent.amount, currency: 'EUR', status: 'pending' } });
    // The platform's books hold every transfer it pays.
    const hq = ok(call(ctx, 'journal.periods.checks', { entity: 'HQ', period: '2026-03' }));
    expect(hq.reasons.filter((r: Json) => r.code === 'transfer_not_sent').map((r: Json) => r.subject.transfer).sort())
      .toEqual(run.transfers.map((t: Json) => t.id).sort());
    // Closing refuses with the same reasons (without the view's subjects).
    const refused = err(call(ctx, 'journal.periods.close', { entity: 'VILL', period: '2026-03' }));
    expect(refused.code).toBe('period_not_closable');
    expect(refused.issues!.map((i) => i.code).sort()).toEqual(checks.reasons.map((r: Json) => r.code).sort());
    expect(refused.issues![0]).not.toHaveProperty('subject');

    db.prepare("UPDATE outbox SET status = 'sent', sent_at = ? WHERE idempotency_key = ?").run('2026-03-20T01:05:00Z', sent.idempotency_key);
    ok(call(ctx, 'invoices.send', { entity: 'VILL', period: '2026-03' }));
    const ready = ok(call(ctx, 'journal.periods.checks', { entity: 'VILL', period: '2026-03' }));
    expect(ready).toMatchObject({ closable: true, reasons: [] });
    ok(call(ctx, 'journal.periods.close', { entity: 'VILL', period: '2026-03' }));
    expect(ok(call(ctx, 'journal.periods.checks', { entity: 'VILL', period: '2026-03' }))).toMatchObject({ closed: true, closable: false, closed_at: '2026-04-02T08:00:00.000Z' });
    // A period not over yet is not closable, and says why.
    expect(ok(call(ctx, 'journal.periods.checks', { entity: 'VILL', period: '2026-04' }))).toMatchObject({ ended: false, closable: false });
    expect(err(call(as(manager('VILL')), 'journal.periods.checks', { entity: 'LYON', period: '2026-03' })).code).toBe('forbidden');
  });
});

describe('finance home', () => {
  it('sums the figures the views show: escrow held, released but not transferred, transfers not paid, anomalies', () => {
    const { run, set, as } = withRun();
    set('2026-03-25T12:00:00Z');
    const fin = as(finance);
    const home = ok(call(fin, 'finance.summary', {}));
    const balances = ok(call(fin, 'release.balances', {})).balances as Json[];
    const eur = home.currencies.find((c: Json) => c.currency === 'EUR');
    expect(eur.escrow_held).toBe(balances.reduce((n, b) => n + b.held, 0));
    expect(eur.released_not_transferred).toBe(balances.reduce((n, b) => n + Math.max(0, b.unpaid), 0));
    const transfers = run.transfers.filter((t: Json) => t.kind === 'transfer');
    expect(eur).toMatchObject({ payouts_due: transfers.reduce((n: number, t: Json) => n + t.amount, 0), payouts_due_count: transfers.length });
    expect(eur.sales).toBeGreaterThan(0);
    expect(eur.commissions).toBeGreaterThan(0);
    expect(home.from).toBe('2026-01-01');
    expect(home.anomalies.total).toBe(ok(call(fin, 'anomalies.list', {})).anomalies.length);
    expect(err(call(as(manager('VILL')), 'finance.summary', {})).code).toBe('forbidden');
  });
});
