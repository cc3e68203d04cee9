// The books follow the settled state with no manual step: imports, events and release runs post
// their entries in the same transaction; every entry and every entity's books balance; entries
// are numbered without gaps; docs/spec.md section 9's reconciliation identities hold on the example and
// on generated histories (several seeds, both PSP fee bearers, returns after release); closed
// periods, exchange rates and the account mapping behave as docs/accounting.md says.
import { describe, expect, it } from 'vitest';
import { postPendingEntries } from '../../core/api/books-runner.js';
import { BooksWriteError, entryWriter, recordPostingIssue } from '../../core/store/books-repo.js';
import { generateScenario } from '../../core/demo/generate.js';
import type { Db } from '../../core/store/db.js';
import { balance, identityViolations, numberingGaps, sendAllInvoices, unbalanced } from '../helpers/books.js';
import { basicScenario, call, clocked, controller, err, finance, freshDb, importInto, manager, ok, type Json } from '../helpers/lifecycle.js';
import { readExample } from '../helpers/db.js';

const count = (db: Db, sql = 'SELECT count(*) FROM journal_entries') => db.prepare(sql).pluck().get() as number;

function healthy(db: Db) {
  expect(unbalanced(db)).toEqual([]);
  expect(numberingGaps(db)).toEqual([]);
  expect(identityViolations(db)).toEqual([]);
}

describe('the example network', () => {
  it('posts on import, balances, and posts nothing more when nothing changed', () => {
    const db = freshDb();
    const { ctx } = clocked(db, '2026-04-01T12:00:00Z');
    importInto(ctx, basicScenario());
    const n = count(db);
    expect(n).toBeGreaterThan(30);
    healthy(db);
    importInto(ctx, basicScenario());
    expect(postPendingEntries(db, { now: new Date('2026-04-01T12:00:00Z') })).toEqual({ entries: 0, invoices: 0, movements: 0, issues: [] });
    ok(call(ctx, 'settlement.run', {}));
    expect(count(db)).toBe(n);
  });

  it('leaves every entity\'s journal complete after a release run (transfers and withdrawal)', () => {
    const db = freshDb();
    const { ctx } = clocked(db, '2026-04-01T12:00:00Z');
    importInto(ctx, basicScenario());
    const run = ok(call(ctx, 'release.run', {}));
    expect(run.transfers.length).toBe(4);
    healthy(db);
    for (const t of run.transfers as { id: string; entity: string; amount: number }[]) {
      const entities = db.prepare('SELECT entity FROM journal_entries WHERE transfer_id = ? ORDER BY entity').pluck().all(t.id);
      expect(entities).toEqual(t.entity === 'HQ' ? ['HQ'] : ['HQ', t.entity].sort());
    }
    expect(balance(db, 'LYON', 'bank')).toBe(run.transfers.find((t: Json) => t.entity === 'LYON').amount);
    // What is released is paid: 467200-E and 467000 are back to the shares not yet released.
    expect(balance(db, 'LYON', 'platform_current')).toBe(0);
    expect(balance(db, 'HQ', 'network_current', 'VILL')).toBe(0);
    expect(balance(db, 'HQ', 'escrow')).toBe(8497); // EA-2001: shipped, not delivered, held
  });

  it('follows events as they come: a return posts reversals and a refund, dated on the return', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-03-09T12:00:00Z');
    const s = basicScenario();
    const later = s.events.filter((e: Json) => e.at > '2026-03-09T12:00:00Z');
    s.events = s.events.filter((e: Json) => e.at <= '2026-03-09T12:00:00Z');
    importInto(clock.ctx, s);
    healthy(db);
    const before = count(db);
    clock.set('2026-03-12T00:00:00Z');
    ok(call(clock.ctx, 'events.submit', { events: later }));
    const added = db.prepare('SELECT entity, journal, entry_date, label, source_key FROM journal_entries WHERE id > (SELECT MAX(id) FROM journal_entries) - ? ORDER BY id').all(count(db) - before) as Json[];
    expect(added.some((e) => e.source_key.startsWith('ret:W-1002:1:') && e.entry_date === '2026-03-10' && e.label.startsWith('Retour'))).toBe(true);
    expect(added.some((e) => e.label.startsWith('Remboursement client W-1002/1'))).toBe(true);
    healthy(db);
  });
});

describe('generated histories: identities at every step', () => {
  const cases = [
    { seed: 3, bearer: 'platform' },
    { seed: 11, bearer: 'owners_pro_rata' },
    { seed: 29, bearer: 'platform', recovery: 'reverse' },
    { seed: 47, bearer: 'owners_pro_rata', recovery: 'reverse' },
  ] as const;
  for (const c of cases) {
    it(`seed ${c.seed}, fees borne by ${c.bearer}${'recovery' in c ? `, ${c.recovery} recovery` : ''}`, () => {
      const db = freshDb();
      const gen = (until: string) => {
        const s = generateScenario({ seed: c.seed, franchisees: 6, orders: 140, from: '2026-09-01', to: '2026-10-25', eventsUntil: until }) as unknown as Json;
        s.network.psp_fee_bearer = c.bearer;
        if ('recovery' in c) s.network.after_release_recovery = c.recovery;
        return s;
      };
      const clock = clocked(db, '2026-10-15T00:00:00Z');
      importInto(clock.ctx, gen('2026-10-15T00:00:00Z'));
      healthy(db);
      ok(call(clock.ctx, 'release.run', {}));
      healthy(db);

      clock.set('2026-11-20T00:00:00Z');
      const s2 = gen('2026-11-20T00:00:00Z');
      importInto(clock.ctx, s2);
      healthy(db);
      ok(call(clock.ctx, 'release.run', {}));
      healthy(db);

      // Returns after release: the entities owe what was paid for them (netted or reversed).
      const delivered = db.prepare(`SELECT l.order_id, l.line_id, ol.quantity, l.fulfiller FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision
        JOIN order_lines ol ON ol.order_id = l.order_id AND ol.line_id = l.line_id
        WHERE l.status IN ('delivered', 'collected') AND l.returned = 0 AND l.release_at < '2026-11-20' ORDER BY l.order_id LIMIT 6`).all() as Json[];
      expect(delivered.length).toBeGreaterThan(0);
      clock.set('2026-11-25T00:00:00Z');
      ok(call(clock.ctx, 'events.submit', { events: delivered.map((d, i) => ({ type: 'line_returned', order: d.order_id, line: d.line_id, quantity: i % 2 === 0 ? d.quantity : 1, location: d.fulfiller, at: `2026-11-2${i % 4}T10:00:00Z` })) }));
      healthy(db);
      clock.set('2026-12-20T00:00:00Z');
      ok(call(clock.ctx, 'release.run', {}));
      healthy(db);
      expect(count(db, "SELECT count(*) FROM journal_entries WHERE source_key LIKE 'ret:%'")).toBeGreaterThan(0);
      expect(count(db, "SELECT count(*) FROM invoices WHERE kind = 'credit_note'")).toBeGreaterThan(0);
      expect(count(db, 'SELECT count(*) FROM transfers t WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.transfer_id = t.id)')).toBe(0);
    });
  }
});

describe('closed periods', () => {
  it('posts an event of a closed month on the first day of the next open one, saying so', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-02T08:00:00Z');
    const s = basicScenario();
    const ret = s.events.filter((e: Json) => e.type === 'line_returned');
    s.events = s.events.filter((e: Json) => e.type !== 'line_returned');
    importInto(clock.ctx, s);
    sendAllInvoices(clock.ctx);
    for (const e of ['HQ', 'LYON', 'VILL']) ok(call(clock.ctx, 'journal.periods.close', { entity: e, period: '2026-03' }));
    const lastBefore = count(db, 'SELECT MAX(id) FROM journal_entries');
    ok(call(clock.ctx, 'events.submit', { events: ret }));
    // The returned unit: VILL's sale and the platform's pass-through reversed, the customer refunded.
    const rows = db.prepare("SELECT entity, entry_date, event_at, shifted, label FROM journal_entries WHERE source_key LIKE 'ret:%' ORDER BY id").all() as Json[];
    expect(rows.map((r) => r.entity).sort()).toEqual(['HQ', 'HQ', 'VILL']);
    for (const r of rows) {
      expect(r.entry_date).toBe('2026-04-01');
      expect(r.event_at).toBe('2026-03-10T14:00:00Z');
      expect(r.shifted).toBe(1);
      expect(r.label).toContain('(période close : événement du 2026-03-10)');
    }
    // The entry writer refuses an entry dated in a closed period, whoever calls it.
    const writer = entryWriter(db);
    const e = { entity: 'LYON', journal: 'OD' as const, fiscal_year: '2026', entry_date: '2026-03-31', event_at: '2026-03-31T10:00:00Z', shifted: false, adjustment: false,
      valid_at: '2026-04-02T08:00:00Z', label: 'test', piece_ref: 'x', piece_date: '2026-03-31', source_key: 'test', order_id: null, transfer_id: null, invoice_id: null,
      currency: 'EUR', orig_currency: 'EUR', fx_rate: null, fx_date: null, lines: [] };
    expect(() => writer.insert(e)).toThrow(BooksWriteError);
    // The legs taken back go on April's credit notes (March is closed), issued once April is over,
    // correcting March's invoices.
    expect(db.prepare("SELECT DISTINCT month FROM invoice_totals WHERE kind = 'credit_note'").pluck().all()).toEqual(['2026-04']);
    expect(count(db, "SELECT count(*) FROM invoices WHERE kind = 'credit_note'")).toBe(0);
    healthy(db);
    clock.set('2026-05-01T08:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const notes = db.prepare("SELECT issue_date, credits FROM invoices WHERE kind = 'credit_note' ORDER BY id").all() as Json[];
    expect(notes.length).toBe(2);
    for (const n of notes) {
      expect(n.issue_date).toBe('2026-04-30');
      expect(n.credits).toMatch(/^FAC-(HQ|LYON)-2026-00000\d$/);
    }
    // Nothing posted after the close is dated in March.
    expect(count(db, `SELECT count(*) FROM journal_entries WHERE id > ${lastBefore}`)).toBeGreaterThan(3);
    expect(count(db, `SELECT count(*) FROM journal_entries WHERE id > ${lastBefore} AND entry_date LIKE '2026-03-%'`)).toBe(0);
    healthy(db);
  });

  it('closes only periods that are over, once, and head office only', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-02T08:00:00Z');
    importInto(clock.ctx, basicScenario());
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'VILL', period: '2026' })).code).toBe('period_not_ended'); // ends 2026-06-30
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'HQ', period: '2026-04' })).code).toBe('period_not_ended');
    expect(err(call(clock.as(controller('AURA')), 'journal.periods.close', { entity: 'LYON', period: '2026-03' })).code).toBe('forbidden');
    sendAllInvoices(clock.ctx);
    ok(call(clock.as(finance), 'journal.periods.close', { entity: 'LYON', period: '2026-03' }));
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'LYON', period: '2026-03' })).code).toBe('period_closed');
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'NOPE', period: '2026-03' })).code).toBe('unknown_entity');
    expect(err(call(clock.ctx, 'journal.periods.close', { entity: 'LYON', period: '2026-3' })).code).toBe('invalid_input');
    const list = ok(call(clock.as(manager('LYON')), 'journal.periods.list', { entity: 'LYON' }));
    const y2026 = list.years.find((y: Json) => y.name === '2026');
    expect(y2026.months.filter((m: Json) => m.closed).map((m: Json) => m.name)).toEqual(['2026-03']);
    // Closing a fiscal year closes its months; VILL's year ends on 30 June.
    clock.set('2026-07-03T00:00:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    sendAllInvoices(clock.ctx);
    const closed = ok(call(clock.ctx, 'journal.periods.close', { entity: 'VILL', period: '2026' }));
    expect(closed.closed).toEqual(['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026']);
    expect(closed.erp_batches).toHaveLength(12);
  });
});

describe('closing refused', () => {
  it('lists every reason: unposted events, missing exchange rates, periodic invoices not sent', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    const s = readExample('network-varied.json');
    importInto(clock.ctx, s);
    // An event the books could not post for another reason than a rate (recorded by a posting run).
    recordPostingIssue(db, { event: 'ful:X:1', order: null, transfer: null, entities: ['HQ'], code: 'inconsistent_settlement', message: 'order X line 1: 1 unit returned by steps, 0 reversed', eventAt: '2026-03-15T10:00:00Z' }, '2026-04-01T12:00:00Z');
    const refused = err(call(clock.ctx, 'journal.periods.close', { entity: 'HQ', period: '2026-03' }));
    expect(refused.code).toBe('period_not_closable');
    const codes = new Set(refused.issues!.map((i) => i.code));
    expect(codes).toEqual(new Set(['fx_rate_missing', 'unposted_event', 'invoice_not_sent']));
    expect(refused.message).toMatch(new RegExp(`${refused.issues!.length} reason\\(s\\), every one listed`));
    expect(refused.issues!.find((i) => i.code === 'fx_rate_missing')!.message).toMatch(/no fx_rates entry converts JPY to EUR/);
    expect(db.prepare("SELECT count(*) FROM closed_periods WHERE entity = 'HQ'").pluck().get()).toBe(0);
    // An event of April is not a reason to keep March open.
    db.prepare("UPDATE posting_issues SET event_at = '2026-04-02T10:00:00Z' WHERE event = 'ful:X:1'").run();
    expect(new Set(err(call(clock.ctx, 'journal.periods.close', { entity: 'HQ', period: '2026-03' })).issues!.map((i) => i.code))).toEqual(new Set(['fx_rate_missing', 'invoice_not_sent']));
  });

});

describe('exchange rates', () => {
  it('posts nothing for an event without a rate (named error), then posts it once the rate exists', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    importInto(clock.ctx, readExample('network-varied.json'));
    const jpy = db.prepare("SELECT id FROM orders WHERE currency = 'JPY' ORDER BY id").pluck().all() as string[];
    expect(jpy.length).toBeGreaterThan(0);
    // No fx_rates in the network: the JPY orders' events are pending, nothing of them is posted.
    expect(count(db, "SELECT count(*) FROM journal_entries WHERE orig_currency = 'JPY'")).toBe(0);
    const pending = ok(call(clock.ctx, 'journal.pending', {}));
    expect(pending.total).toBeGreaterThan(0);
    expect(new Set(pending.issues.map((i: Json) => i.code))).toEqual(new Set(['fx_rate_missing']));
    expect(new Set(pending.issues.map((i: Json) => i.order))).toEqual(new Set(jpy));
    expect(ok(call(clock.ctx, 'anomalies.list', {})).anomalies.filter((a: Json) => a.kind === 'books_not_posted')).toHaveLength(pending.total);
    expect(unbalanced(db)).toEqual([]);
    const run = ok(call(clock.ctx, 'journal.post', {}));
    expect(run.entries).toBe(0);
    expect(run.issues[0].code).toBe('fx_rate_missing');
    expect(run.issues[0].message).toMatch(/no fx_rates entry converts JPY to EUR on or before 2026-01-2\d/);

    const settings = ok(call(clock.ctx, 'network.settings.get', {}));
    ok(call(clock.ctx, 'network.settings.update', { ...settings, fx_rates: [{ date: '2026-01-01', from: 'JPY', to: 'EUR', rate: '0.0062' }] }));
    const posted = ok(call(clock.ctx, 'journal.post', {}));
    expect(posted.issues).toEqual([]);
    expect(posted.entries).toBeGreaterThan(0);
    expect(ok(call(clock.ctx, 'journal.pending', {})).total).toBe(0);
    const converted = db.prepare("SELECT fx_rate, fx_date, currency FROM journal_entries WHERE orig_currency = 'JPY'").all() as Json[];
    expect(converted.every((e) => e.fx_rate === '0.0062' && e.fx_date === '2026-01-01' && e.currency === 'EUR')).toBe(true);
    // Each converted entry balances in euros; the yen amounts stay on the lines.
    expect(unbalanced(db)).toEqual([]);
    const capture = db.prepare(`SELECT l.debit, l.amount_orig FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
      WHERE e.source_key LIKE 'cap:' || ? || ':%' AND l.role = 'escrow'`).get(jpy[0]) as Json;
    expect(capture.debit).toBe(Math.round(capture.amount_orig * 0.0062 * 100 / 1)); // JPY has no minor unit, EUR two
    expect(numberingGaps(db)).toEqual([]);
  });
});

describe('the account mapping', () => {
  it('refuses a mapping to an account the chart lacks, and applies a valid one to new entries only', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    const s = basicScenario();
    const ret = s.events.filter((e: Json) => e.type === 'line_returned');
    s.events = s.events.filter((e: Json) => e.type !== 'line_returned');
    importInto(clock.ctx, s);
    const e1 = err(call(clock.ctx, 'journal.accounts.set', { entity: 'VILL', mapping: { sales: '707100' } }));
    expect(e1.code).toBe('unknown_account');
    expect(e1.issues).toEqual([expect.objectContaining({ path: 'mapping.sales', code: 'unknown_account' })]);
    expect(err(call(clock.as(manager('VILL')), 'journal.accounts.set', { entity: 'VILL', mapping: { bank: '512000' } })).code).toBe('forbidden');
    const before = db.prepare("SELECT l.account FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id WHERE e.entity = 'VILL' AND l.role = 'sales'").pluck().all();
    expect(new Set(before)).toEqual(new Set(['707000']));
    const after = ok(call(clock.ctx, 'journal.accounts.set', { entity: 'VILL', accounts: [{ number: '707100', label: 'Ventes en ligne' }], mapping: { sales: '707100' } }));
    expect(after.mapping.find((m: Json) => m.role === 'sales')).toMatchObject({ account: '707100', label: 'Ventes en ligne', overridden: true });
    ok(call(clock.ctx, 'events.submit', { events: ret }));
    const lines = db.prepare("SELECT e.source_key, l.account FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id WHERE e.entity = 'VILL' AND l.role = 'sales' ORDER BY e.id").all() as Json[];
    expect(lines.filter((l) => l.source_key.startsWith('ful:')).every((l) => l.account === '707000')).toBe(true);
    expect(lines.filter((l) => l.source_key.startsWith('ret:')).map((l) => l.account)).toEqual(['707100']);
    // A mapping broken behind the API's back is a named error at export, and no file.
    db.prepare("INSERT INTO account_mappings (entity, role, account, updated_at) VALUES ('LYON', 'bank', '512999', 'x')").run();
    expect(err(call(clock.ctx, 'exports.csv', { entity: 'LYON', period: '2026' })).code).toBe('unknown_account');
    healthy(db);
  });
});

describe('scope', () => {
  it('shows each caller the books of its entities only', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    importInto(clock.ctx, basicScenario());
    expect(ok(call(clock.as(manager('LYON')), 'journal.entries', { entity: 'LYON' })).total).toBeGreaterThan(0);
    expect(err(call(clock.as(manager('LYON')), 'journal.entries', { entity: 'VILL' })).code).toBe('forbidden');
    expect(ok(call(clock.as(controller('AURA')), 'journal.trialBalance', { entity: 'VILL', period: '2026' })).balanced).toBe(true);
    expect(err(call(clock.as(controller('AURA')), 'journal.trialBalance', { entity: 'LILLE', period: '2026' })).code).toBe('forbidden');
    expect(err(call(clock.as(manager('LYON')), 'journal.post', {})).code).toBe('forbidden');
    const tb = ok(call(clock.ctx, 'journal.trialBalance', { entity: 'HQ', period: '2026-03' }));
    expect(tb.totals.debit).toBe(tb.totals.credit);
    expect(tb.rows.find((r: Json) => r.account === '467200-VILL').label).toBe('Comptes courants des entités du réseau - Villeurbanne Commerce SAS');
  });
});
