// The back office's money workflows over the API (issue 15): a store's payouts and statement,
// the rules workflow (draft → compare → simulate → publish, with who published), and the
// inbox's unread count and refusal reasons. Four eyes on release runs: release-approval.test.ts.
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../core/api/principal.js';
import { auditor, basicScenario, call, clocked, err, finance, freshDb, importInto, manager, ok, shipFromStore, type Json } from '../helpers/lifecycle.js';

const admin: Principal = { userId: 'adm', name: 'Alice Admin', role: 'admin', regions: [], entities: [] };

describe('a store\'s payouts', () => {
  function paid() {
    const db = freshDb();
    const clock = clocked(db, '2026-03-20T01:00:00Z');
    importInto(clock.ctx, basicScenario({ network: { release_interval_days: 7 } }));
    const run = ok(call(clock.ctx, 'release.run', { as_of: '2026-03-20T00:00:00Z' }));
    return { db, run, ...clock };
  }

  it('lists each transfer received with the orders it pays, and the next expected payout', () => {
    const { run, as } = paid();
    const vill = as(manager('VILL'));
    const p = ok(call(vill, 'payouts.list', { entity: 'VILL' }));
    const sent = run.transfers.find((t: Json) => t.entity === 'VILL');
    expect(p.transfers).toEqual([expect.objectContaining({ id: sent.id, amount: sent.amount, psp_status: 'queued', orders: sent.orders.map((o: Json) => expect.objectContaining(o)) })]);
    expect(p.transfers[0].orders.reduce((s: number, o: Json) => s + o.amount, 0)).toBe(sent.amount);
    // The next run is a week after the last one.
    expect(p.next).toMatchObject({ date: '2026-03-27', every_days: 7, last_run_as_of: '2026-03-20T00:00:00Z' });
    expect(err(call(vill, 'payouts.list', { entity: 'LYON' })).code).toBe('forbidden');
    expect(err(call(vill, 'payouts.list', { entity: 'VILL', from: '2026-03-10', to: '2026-03-01' })).code).toBe('invalid_input');
  });

  it('downloads the statement as printable HTML and as CSV, in the reader\'s language', () => {
    const { run, as } = paid();
    const vill = as(manager('VILL'));
    const sent = run.transfers.find((t: Json) => t.entity === 'VILL');
    const csv = ok(call(vill, 'payouts.statement', { entity: 'VILL', format: 'csv' }));
    expect(csv).toMatchObject({ mime: expect.stringContaining('text/csv'), name: 'versements_VILL.csv', rows: 1 });
    expect(csv.content).toContain(sent.id);
    const html = ok(call(vill, 'payouts.statement', { entity: 'VILL', lang: 'en' }));
    expect(html.name).toBe('payouts_VILL.html');
    expect(html.content).toMatch(/^<!doctype html>/);
    expect(html.content).toContain(sent.id);
    expect(err(call(vill, 'payouts.statement', { entity: 'LYON' })).code).toBe('forbidden');
  });
});

describe('rules as a workflow', () => {
  function rules() {
    const db = freshDb();
    const clock = clocked(db, '2026-03-20T01:00:00Z');
    importInto(clock.ctx, basicScenario());
    return { db, ...clock, fin: clock.as(finance), adm: clock.as(admin) };
  }
  const webHome = (rate: string) => ({
    id: 'WEB-HOME', group: 'commission', priority: 10,
    when: { channel: ['web', 'app', 'phone'], delivery_mode: ['home_delivery', 'ship_from_store'], kind: ['goods'] },
    legs: [{ to: 'seller', rate, base: 'net' }],
  });

  it('saves a draft, compares it with the version in force, simulates it, and publishes it from a chosen date with its publisher', () => {
    const { db, fin, adm } = rules();
    const current = ok(call(fin, 'rules.list', { id: 'WEB-HOME' })).rules.at(-1);
    const saved = ok(call(fin, 'rules.drafts.save', { ...webHome('0.07'), priority: current.priority }));
    expect(saved.draft).toMatchObject({ rule_id: 'WEB-HOME', status: 'draft', base_version: current.version, created_by: { id: 'fin', name: 'Finance' } });
    expect(saved.changes).toEqual([{ field: 'legs[0].rate', change: 'changed', current: '0.05', draft: '0.07' }]);
    // Nothing applies before publication.
    expect(ok(call(fin, 'rules.list', { id: 'WEB-HOME' })).rules).toHaveLength(1);

    const sim = ok(call(fin, 'rules.drafts.simulate', { id: saved.draft.id, period: { from: '2026-03-01', to: '2026-04-01' } }));
    expect(JSON.stringify(sim)).not.toBe('{}');
    expect(ok(call(fin, 'rules.drafts.list', {})).drafts.map((d: Json) => d.id)).toEqual([saved.draft.id]);

    expect(err(call(fin, 'rules.drafts.publish', { id: saved.draft.id, valid_from: '2026-03-01' })).code).toBe('invalid_rule');
    const published = ok(call(adm, 'rules.drafts.publish', { id: saved.draft.id, valid_from: '2026-04-01' }));
    expect(published.rule).toMatchObject({ id: 'WEB-HOME', version: current.version + 1, valid_from: '2026-04-01', published_by: { id: 'adm', name: 'Alice Admin' } });
    expect(published.draft).toMatchObject({ status: 'published', published_version: current.version + 1 });
    expect(err(call(adm, 'rules.drafts.publish', { id: saved.draft.id })).code).toBe('draft_closed');
    const ops = db.prepare("SELECT operation FROM audit_log WHERE operation LIKE 'rules.drafts.%' AND outcome = 'ok' ORDER BY seq").pluck().all();
    expect(ops).toEqual(['rules.drafts.save', 'rules.drafts.publish']);
  });

  it('refuses to publish a draft of a version that is no longer the latest, and keeps head office\'s drafts to head office', () => {
    const { fin, as } = rules();
    const a = ok(call(fin, 'rules.drafts.save', webHome('0.06'))).draft;
    const b = ok(call(fin, 'rules.drafts.save', webHome('0.04'))).draft;
    ok(call(fin, 'rules.drafts.publish', { id: a.id }));
    expect(ok(call(fin, 'rules.drafts.get', { id: b.id })).stale).toBe(true);
    expect(err(call(fin, 'rules.drafts.publish', { id: b.id })).code).toBe('draft_stale');
    // Saved again, it is of the new version and may be published.
    ok(call(fin, 'rules.drafts.save', { draft: b.id, ...webHome('0.04') }));
    expect(ok(call(fin, 'rules.drafts.publish', { id: b.id, valid_from: '2026-05-01' })).rule.version).toBe(3);
    expect(err(call(fin, 'rules.drafts.save', { ...webHome('0.05'), legs: [{ to: 'entity:NOPE', rate: '0.05' }] })).code).toBe('invalid_rule');
    expect(err(call(as(auditor), 'rules.drafts.save', webHome('0.05'))).code).toBe('forbidden');
    expect(ok(call(as(auditor), 'rules.drafts.list', { status: ['published'] })).drafts).toHaveLength(2);
    expect(err(call(as(manager('LYON')), 'rules.drafts.list', {})).code).toBe('forbidden');
  });
});

describe('the inbox', () => {
  function offered() {
    const db = freshDb();
    const clock = clocked(db, '2026-03-12T00:00:00Z');
    importInto(clock.ctx, basicScenario({
      orders: [shipFromStore('W-2001', '2026-03-10T10:00:00Z', ['ST-LYON', 'ST-VILL']), shipFromStore('W-2002', '2026-03-11T10:00:00Z', ['ST-LYON'])],
    }));
    ok(call(clock.ctx, 'routing.tick'));
    return { db, ...clock };
  }

  it('counts the requests a user has not opened, with the next deadline and each line\'s value', () => {
    const { as } = offered();
    const lyon = as(manager('LYON'));
    const list = ok(call(lyon, 'inbox.list'));
    expect(list).toMatchObject({ open: 2, unread: 2 });
    expect(list.next_deadline_at).toBe(list.requests[0].deadline_at);
    expect(list.requests[0]).toMatchObject({ value: 10000, currency: 'EUR', read: false });
    const marked = ok(call(lyon, 'inbox.markRead', { offers: [list.requests[0].offer] }));
    expect(marked).toMatchObject({ marked: 1, open: 2, unread: 1 });
    expect(ok(call(lyon, 'inbox.unread'))).toMatchObject({ open: 2, unread: 1 });
    // Read marks are each user's own; another store's request is refused.
    expect(ok(call(as(finance), 'inbox.unread'))).toMatchObject({ unread: 2 });
    expect(err(call(as(manager('LILLE')), 'inbox.markRead', { offers: [list.requests[0].offer] })).code).toBe('forbidden');
  });

  it('refuses "other" as a reason without a note saying why', () => {
    const { as } = offered();
    const lyon = as(manager('LYON'));
    const e = err(call(lyon, 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'other' }));
    expect(e.code).toBe('invalid_input');
    expect(e.issues).toEqual([expect.objectContaining({ path: 'note' })]);
    expect(ok(call(lyon, 'inbox.refuse', { order: 'W-2001', line: '1', location: 'ST-LYON', reason: 'other', note: 'shop closed for works' }))).toBeTruthy();
  });
});
