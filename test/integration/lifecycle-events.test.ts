// Event intake (`events.submit`, `ventil events`): idempotent, late arrivals accepted where they
// fit, contradictions refused with nothing stored, and stored settlements identical to the pure
// engine on the same events and to an import of everything at once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildContext } from '../../core/domain/context.js';
import { validateScenario, type LifecycleEvent } from '../../core/domain/scenario.js';
import { eventsByOrder, settleOrder } from '../../core/domain/settle.js';
import { captureTime, entityShares } from '../../core/domain/shares.js';
import { isoUtc, toMs } from '../../core/domain/time.js';
import { currentShareRows } from '../../core/store/release-repo.js';
import type { Db } from '../../core/store/db.js';
import { ventil } from '../helpers/cli.js';
import { readExample, tempDir } from '../helpers/db.js';
import { basicScenario, call, clocked, err, freshDb, importInto, manager, ok, prng, shipFromStore, type Json } from '../helpers/lifecycle.js';

const NOW = '2026-04-01T12:00:00Z';

const count = (db: Db, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** What the store holds for each order: lines as settled and the current entity shares. */
function stored(db: Db) {
  const lines = db.prepare(`SELECT l.order_id, l.line_id, l.status, l.fulfiller, l.returned, l.refunded, l.release_at FROM settlement_lines l
    JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision ORDER BY l.order_id, l.line_id`).all();
  const shares = currentShareRows(db).map((s) => ({ order: s.order, line: s.line, entity: s.entity, kind: s.kind, amount: s.amount, release_at: s.release_at }));
  return { lines, shares };
}

/** The pure engine on the same inputs, as of the moment the store settles them (now, or the latest time named). */
function pure(scenario: Json, now: string) {
  const checked = validateScenario(scenario);
  if (!checked.ok) throw new Error(JSON.stringify(checked.issues));
  const s = checked.scenario;
  const ctx = buildContext(s.network, s.rules);
  const byOrder = eventsByOrder(s.events);
  const lines: unknown[] = [];
  const shares: unknown[] = [];
  for (const order of s.orders) {
    const own = byOrder.get(order.id) ?? [];
    let asOf = Math.max(toMs(now), toMs(order.created_at));
    for (const e of own) asOf = Math.max(asOf, toMs(e.at));
    for (const p of order.payments) asOf = Math.max(asOf, toMs(p.captured_at));
    const os = settleOrder(ctx, order, own, isoUtc(asOf));
    for (const l of os.lines) lines.push({ order_id: order.id, line_id: l.id, status: l.status, fulfiller: l.fulfiller, returned: l.returned, refunded: l.refunded, release_at: l.detail.release_at });
    for (const sh of entityShares(os, captureTime(os, order.payments.map((p) => p.captured_at)))) {
      shares.push({ order: order.id, line: sh.line, entity: sh.entity, kind: sh.kind, amount: sh.amount, release_at: sh.release_at });
    }
  }
  const key = (x: any) => `${x.order ?? x.order_id}\u0000${x.line ?? x.line_id}\u0000${x.entity ?? ''}\u0000${x.kind ?? ''}`;
  const sort = (xs: unknown[]) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : 1));
  return { lines: sort(lines), shares: sort(shares) };
}

const sorted = (x: { lines: unknown[]; shares: unknown[] }) => {
  const key = (r: any) => `${r.order ?? r.order_id}\u0000${r.line ?? r.line_id}\u0000${r.entity ?? ''}\u0000${r.kind ?? ''}`;
  return { lines: [...x.lines].sort((a, b) => (key(a) < key(b) ? -1 : 1)), shares: [...x.shares].sort((a, b) => (key(a) < key(b) ? -1 : 1)) };
};

describe('event intake', () => {
  for (const [example, seed] of [['network-basic.json', 7], ['network-varied.json', 42]] as const) {
    it(`${example}: events in shuffled batches, with duplicates and late arrivals, settle like the pure engine and like one import`, () => {
      const full = readExample(example);
      const events = full.events as LifecycleEvent[];
      const db = freshDb();
      const { ctx } = clocked(db, NOW);
      importInto(ctx, { ...full, events: [] });

      const r = prng(seed);
      // Newest first, lightly shuffled: most events arrive late, and some before what they need.
      let pending = events.map((e, i) => ({ e, i })).sort((a, b) => toMs(b.e.at) - toMs(a.e.at));
      for (let k = 0; k < pending.length; k++) {
        const j = Math.min(pending.length - 1, k + r.int(4));
        [pending[k], pending[j]] = [pending[j]!, pending[k]!];
      }
      const done: { e: LifecycleEvent; i: number }[] = [];
      let late = 0;
      let duplicates = 0;
      let deferred = 0;
      const accept = (x: { e: LifecycleEvent; i: number }) => {
        if (done.some((d) => d.e.order === x.e.order && toMs(d.e.at) > toMs(x.e.at))) late++;
        done.push(x);
      };
      for (let round = 0; pending.length > 0 && round < 500; round++) {
        const batch = pending.slice(0, 1 + r.int(6));
        const again = done.length > 0 ? [done[r.int(done.length)]!] : [];
        const res = call(ctx, 'events.submit', { events: r.shuffle([...batch, ...again]).map((x) => x.e) });
        if (res.ok) {
          const v = res.value as Json;
          expect(v.added).toBe(batch.length);
          expect(v.unchanged).toBe(again.length);
          duplicates += again.length;
          batch.forEach(accept);
          pending = pending.slice(batch.length);
          continue;
        }
        // Refused as a whole (an event whose prerequisite has not arrived yet): nothing stored.
        expect(err(res).code).toBe('event_contradiction');
        expect(count(db, 'events')).toBe(done.length);
        const still: typeof pending = [];
        for (const x of batch) {
          const one = call(ctx, 'events.submit', { events: [x.e] });
          if (one.ok) accept(x);
          else {
            still.push(x);
            deferred++;
          }
        }
        pending = [...pending.slice(batch.length), ...still];
      }
      expect(pending).toEqual([]);
      expect(count(db, 'events')).toBe(events.length);
      expect(late).toBeGreaterThan(3);
      expect(duplicates).toBeGreaterThan(3);
      expect(deferred).toBeGreaterThan(0);

      expect(sorted(stored(db))).toEqual(pure(full, NOW));

      const once = freshDb();
      importInto(clocked(once, NOW).ctx, full);
      expect(sorted(stored(db))).toEqual(sorted(stored(once)));

      // Everything again: nothing added, no settlement revised.
      const revisions = count(db, 'settlement_revisions');
      const again = ok(call(ctx, 'events.submit', { file: { format: 'ventil.scenario/1', events } }));
      expect(again).toMatchObject({ added: 0, unchanged: events.length, orders: [] });
      expect(count(db, 'settlement_revisions')).toBe(revisions);
    });
  }

  /** The basic network plus W-2001 (three candidate stores) and W-2002 (two). */
  function setup() {
    const db = freshDb();
    const clock = clocked(db, NOW);
    importInto(clock.ctx, basicScenario({
      orders: [
        shipFromStore('W-2001', '2026-03-10T10:00:00Z', ['ST-LYON', 'ST-VILL', 'ST-LILLE']),
        shipFromStore('W-2002', '2026-03-11T10:00:00Z', ['ST-VILL', 'ST-LYON']),
      ],
    }));
    return { db, ...clock };
  }
  const ev = (type: string, order: string, at: string, extra: Json = {}) => ({ type, order, line: '1', at, ...extra });

  it('stores the same event once; the same id with other content is a named error', () => {
    const { db, ctx } = setup();
    const before = count(db, 'events');
    const accepted = ev('fulfilment_accepted', 'W-2001', '2026-03-10T11:00:00Z', { location: 'ST-LYON', id: 'E-1' });
    expect(ok(call(ctx, 'events.submit', { events: [accepted, accepted] }))).toMatchObject({ added: 1, unchanged: 1 });
    expect(ok(call(ctx, 'events.submit', { events: [accepted] }))).toMatchObject({ added: 0, unchanged: 1, orders: [] });
    // Without an id, identity is the content: the same instant written another way is the same event.
    const shipped = ev('line_shipped', 'W-2001', '2026-03-11T09:00:00Z');
    ok(call(ctx, 'events.submit', { events: [shipped] }));
    expect(ok(call(ctx, 'events.submit', { events: [{ ...shipped, at: '2026-03-11T09:00:00.000Z' }] }))).toMatchObject({ added: 0, unchanged: 1 });
    const e = err(call(ctx, 'events.submit', { events: [{ ...accepted, at: '2026-03-10T12:00:00Z' }] }));
    expect(e.code).toBe('invalid_events');
    expect(e.issues).toEqual([expect.objectContaining({ path: 'events[0].id', code: 'duplicate_id' })]);
    expect(count(db, 'events')).toBe(before + 2);
  });

  it('refuses every contradiction with a named error and its path, storing nothing of the file', () => {
    const { db, ctx } = setup();
    ok(call(ctx, 'events.submit', { events: [
      ev('fulfilment_accepted', 'W-2001', '2026-03-10T11:00:00Z', { location: 'ST-LYON' }),
      ev('line_shipped', 'W-2001', '2026-03-11T09:00:00Z'),
      ev('line_delivered', 'W-2001', '2026-03-12T09:00:00Z'),
      ev('line_returned', 'W-2001', '2026-03-13T09:00:00Z', { quantity: 1 }),
      ev('line_cancelled', 'W-2002', '2026-03-11T12:00:00Z'),
    ] }));
    const events = count(db, 'events');
    const revisions = count(db, 'settlement_revisions');
    const cases: [string, Json[], { path: string; code: string }[]][] = [
      ['shipping a cancelled line', [ev('line_shipped', 'W-2002', '2026-03-12T09:00:00Z')], [{ path: 'events[0]', code: 'cancelled_line' }]],
      ['delivering a cancelled line', [ev('line_delivered', 'W-2002', '2026-03-12T09:00:00Z')], [{ path: 'events[0]', code: 'cancelled_line' }]],
      ['returning more than was sold, cumulatively', [ev('line_returned', 'W-2001', '2026-03-14T09:00:00Z', { quantity: 2 })], [{ path: 'events[0].quantity', code: 'return_exceeds_sold' }]],
      ['two returns adding up to too many', [ev('line_returned', 'W-2001', '2026-03-14T09:00:00Z', { quantity: 1 }), ev('line_returned', 'W-2001', '2026-03-15T09:00:00Z', { quantity: 1 })],
        [{ path: 'events[1].quantity', code: 'return_exceeds_sold' }]],
      ['returning before fulfilment', [ev('line_returned', 'W-1003', '2026-03-07T09:00:00Z', { line: '1', quantity: 1 })], [{ path: 'events[0]', code: 'return_before_fulfilment' }]],
      ['accepting a request offered to another store', [ev('fulfilment_accepted', 'W-2001', '2026-03-10T10:30:00Z', { location: 'ST-VILL' })], [{ path: 'events[0].location', code: 'not_current_fulfiller' }]],
      ['an unknown order', [ev('line_shipped', 'NOPE', '2026-03-12T09:00:00Z')], [{ path: 'events[0].order', code: 'unknown_reference' }]],
      ['an unknown line', [ev('line_shipped', 'W-2001', '2026-03-12T09:00:00Z', { line: '9' })], [{ path: 'events[0].line', code: 'unknown_reference' }]],
      ['an event before the order was created', [ev('fulfilment_refused', 'W-2002', '2026-03-01T09:00:00Z', { location: 'ST-VILL', reason: 'no_stock' })], [{ path: 'events[0].at', code: 'event_before_order' }]],
      ['cancelling a fulfilled line', [ev('line_cancelled', 'W-2001', '2026-03-16T09:00:00Z')], [{ path: 'events[0]', code: 'already_fulfilled' }]],
      ['a late shipment before a stored cancellation', [ev('line_shipped', 'W-2002', '2026-03-11T11:00:00Z')], [{ path: 'events[0]', code: 'contradicts_stored_event' }]],
      ['a good event with a bad one', [ev('line_shipped', 'W-1003', '2026-03-07T09:00:00Z', { line: '1' }), ev('line_shipped', 'W-2002', '2026-03-12T09:00:00Z')],
        [{ path: 'events[1]', code: 'cancelled_line' }]],
    ];
    for (const [what, submitted, issues] of cases) {
      const e = err(call(ctx, 'events.submit', { events: submitted }));
      expect({ what, code: e.code, issues: e.issues?.map((i) => ({ path: i.path, code: i.code })) })
        .toEqual({ what, code: issues.some((i) => i.code === 'unknown_reference') ? 'invalid_events' : 'event_contradiction', issues });
    }
    // Malformed events: every problem at once.
    const bad = err(call(ctx, 'events.submit', { events: [{ type: 'line_teleported', order: 'W-2001', line: '1', at: 'x' }, { type: 'line_returned', order: 'W-2001', line: '1', at: '2026-03-20T00:00:00Z', quantity: -1 }] }));
    expect(bad.code).toBe('invalid_events');
    expect(bad.issues!.map((i) => `${i.path} ${i.code}`)).toEqual(['events[0].type unknown_event_type', 'events[1].quantity invalid_quantity']);
    expect(count(db, 'events')).toBe(events);
    expect(count(db, 'settlement_revisions')).toBe(revisions);
  });

  it('accepts late arrivals that fit the history at their time', () => {
    const { db, ctx } = setup();
    ok(call(ctx, 'events.submit', { events: [ev('line_delivered', 'W-2001', '2026-03-12T09:00:00Z')] }));
    const releaseAt = () => db.prepare(`SELECT l.status, l.release_at FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision WHERE l.order_id = 'W-2001'`).get();
    expect(releaseAt()).toEqual({ status: 'delivered', release_at: '2026-03-26T09:00:00Z' });
    // Acceptance and shipment arrive after the delivery, dated before it.
    const r = ok(call(ctx, 'events.submit', { events: [ev('line_shipped', 'W-2001', '2026-03-11T09:00:00Z'), ev('fulfilment_accepted', 'W-2001', '2026-03-10T11:00:00Z', { location: 'ST-LYON' })] }));
    expect(r).toMatchObject({ added: 2, orders: ['W-2001'] });
    expect(releaseAt()).toEqual({ status: 'delivered', release_at: '2026-03-26T09:00:00Z' });
    // A refusal by the first store, dated before its (stored) acceptance, would make it impossible.
    const e = err(call(ctx, 'events.submit', { events: [ev('fulfilment_refused', 'W-2001', '2026-03-10T10:30:00Z', { location: 'ST-LYON', reason: 'no_stock' })] }));
    expect(e.issues).toEqual([expect.objectContaining({ path: 'events[0]', code: 'contradicts_stored_event' })]);
  });

  it('re-settles only the orders the events touch, in the same transaction', () => {
    const { db, ctx } = setup();
    const revisions = () => Object.fromEntries((db.prepare('SELECT order_id, max(revision) AS r FROM settlement_revisions GROUP BY order_id').all() as { order_id: string; r: number }[]).map((x) => [x.order_id, x.r]));
    const before = revisions();
    const r = ok(call(ctx, 'events.submit', { events: [ev('line_cancelled', 'W-2001', '2026-03-10T12:00:00Z')] }));
    expect(r.settled).toEqual({ orders: 1, revised: 1 });
    const after = revisions();
    expect(after['W-2001']).toBe(before['W-2001'] + 1);
    for (const id of Object.keys(before)) if (id !== 'W-2001') expect(after[id]).toBe(before[id]);
    const line = db.prepare(`SELECT l.status, l.refunded, l.gross FROM settlement_lines l JOIN settlements s ON s.order_id = l.order_id AND s.revision = l.revision WHERE l.order_id = 'W-2001'`).get() as Json;
    expect(line).toMatchObject({ status: 'cancelled', refunded: line.gross });
  });

  it('lets a store manager submit the events of its own locations only', () => {
    const { db, as } = setup();
    const lyon = as(manager('LYON'));
    expect(ok(call(lyon, 'events.submit', { events: [ev('fulfilment_accepted', 'W-2001', '2026-03-10T11:00:00Z', { location: 'ST-LYON' }), ev('line_shipped', 'W-2001', '2026-03-11T09:00:00Z')] })))
      .toMatchObject({ added: 2 });
    const events = count(db, 'events');
    const e = err(call(lyon, 'events.submit', { events: [ev('fulfilment_refused', 'W-2002', '2026-03-11T11:00:00Z', { location: 'ST-VILL', reason: 'no_stock' }), ev('line_cancelled', 'W-2002', '2026-03-11T12:00:00Z')] }));
    expect(e.issues!.map((i) => `${i.path} ${i.code}`)).toEqual(['events[0] forbidden', 'events[1] forbidden']);
    expect(e.code).toBe('forbidden');
    expect(count(db, 'events')).toBe(events);
    expect(err(call(as({ userId: 'a', name: 'a', role: 'auditor', regions: [], entities: [] }), 'events.submit', { events: [] })).code).toBe('forbidden');
  });
});

describe('ventil events FILE', () => {
  const tmp = tempDir('ventil-events-');
  afterAll(() => tmp.cleanup());

  it('stores a file, is idempotent, and refuses a bad file with exit 2 and every problem with its path', () => {
    const db = join(tmp.dir, 'v.db');
    const scenario = join(tmp.dir, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(basicScenario({ events: false })));
    expect(ventil(['import', scenario, '--db', db]).status).toBe(0);
    const file = join(tmp.dir, 'events.json');
    writeFileSync(file, JSON.stringify({ format: 'ventil.scenario/1', events: readExample('network-basic.json').events }));
    const first = ventil(['events', file, '--db', db, '--json']);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, added: 18, unchanged: 0 });
    const again = ventil(['events', file, '--db', db]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('0 stored, 18 already stored');

    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ events: [
      { type: 'line_shipped', order: 'W-1003', line: '2', at: '2026-03-07T00:00:00Z' },
      { type: 'line_returned', order: 'W-1002', line: '1', quantity: 5, at: '2026-03-12T00:00:00Z' },
      { type: 'line_shipped', order: 'W-1001', line: '7', at: '2026-03-12T00:00:00Z' },
    ], extra: 1 }));
    const refused = ventil(['events', bad, '--db', db, '--json']);
    expect(refused.status).toBe(2);
    const out = JSON.parse(refused.stdout);
    expect(out.ok).toBe(false);
    expect(out.error.issues.map((i: Json) => i.path)).toEqual(expect.arrayContaining(['extra', 'events[1].quantity', 'events[2].line']));
    const contradiction = join(tmp.dir, 'contradiction.json');
    writeFileSync(contradiction, JSON.stringify({ events: [{ type: 'line_shipped', order: 'W-1003', line: '2', at: '2026-03-07T00:00:00Z' }] }));
    const c = ventil(['events', contradiction, '--db', db]);
    expect(c.status).toBe(2);
    expect(c.stderr).toMatch(/events\[0\]: line_shipped at 2026-03-07T00:00:00Z: line "2" of order "W-1003" was cancelled .* \[cancelled_line\]/);
  });
});
