// The subledger's format 2 (migration 0016, decision 0015): one element per movement, its values
// once then its lines. The readers give the same lines from either format and from a mix of
// both; 0016's down() rewrites every row in format 1 (the code before reads it) past the
// append-only guard, which stays. Runs on SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import type { Db } from '../../core/store/db.js';
import { docTags } from '../../core/store/doc-tags.js';
import { dailyDetail, postedFromSubledger, subledgerLines, type SubledgerLine } from '../../core/store/subledger-repo.js';
import { call, clocked, dailyScenario, freshDb, importInto, ok, shipFromStore } from '../helpers/lifecycle.js';

const down = migrations.find((m) => m.name === '0016_subledger_format_2')!;

const rows = (db: Db) => db.prepare('SELECT id, order_id, lines_json, created_at FROM subledger ORDER BY id').raw().all() as [number, string, string, string][];
const elements = (db: Db) => rows(db).flatMap(([, , json]) => JSON.parse(json) as unknown[][]);

/** Everything the readers give: each daily entry's detail, what is posted per order, the rows' tags. */
function reads(db: Db) {
  const entries = db.prepare('SELECT DISTINCT entry_id FROM daily_batches WHERE entry_id IS NOT NULL ORDER BY entry_id').pluck().all() as number[];
  const orders = [...new Set(rows(db).map((r) => r[1]))].sort();
  return {
    detail: entries.map((e) => dailyDetail(db, e)),
    posted: postedFromSubledger(db, orders).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    tags: [...docTags(db, 'order', orders.filter((o) => o.startsWith('inv:')))].map(([k, v]) => [k, [...v].sort()]).sort(),
  };
}

/** Each daily entry's lines, summed per account, against the detail behind it (an oracle the readers do not share). */
function detailMatchesEntries(db: Db): void {
  const entries = db.prepare('SELECT DISTINCT entry_id FROM daily_batches WHERE entry_id IS NOT NULL').pluck().all() as number[];
  expect(entries.length).toBeGreaterThan(5);
  for (const e of entries) {
    const fromDetail = new Map<string, number>();
    for (const { line } of dailyDetail(db, e)) fromDetail.set(`${line[6]} ${line[7] ?? ''}`, (fromDetail.get(`${line[6]} ${line[7] ?? ''}`) ?? 0) + line[8]);
    const fromEntry = db.prepare("SELECT account || ' ' || coalesce(aux, '') AS k, sum(debit - credit) AS n FROM journal_lines WHERE entry_id = ? GROUP BY 1").raw().all(e) as [string, number][];
    expect(Object.fromEntries([...fromDetail].filter(([, n]) => n !== 0)), `entry ${e}`).toEqual(Object.fromEntries(fromEntry.map(([k, n]) => [k, Number(n)]).filter(([, n]) => n !== 0)));
  }
}

describe('the subledger in format 2', () => {
  it('reads a movement as its lines, each with the movement\'s values', () => {
    const movement = [7, 'LYON', 'ev1', 'VE', '2026-04-02T09:30:00Z', 'Vente W-1', [['sale', 'revenue', '706000', null, -1000, -1200, 'USD'], ['sale', 'receivable', '467000', 'HQ', 1000, 1200, 'USD']]];
    const line1 = [3, 'HQ', 'ev0', 'fee', 'OD', 'fee', '622000', null, 50, 50, 'EUR', '2026-04-01T10:00:00Z', 'Frais'];
    expect(subledgerLines(JSON.stringify([line1, movement]))).toEqual([
      line1,
      [7, 'LYON', 'ev1', 'sale', 'VE', 'revenue', '706000', null, -1000, -1200, 'USD', '2026-04-02T09:30:00Z', 'Vente W-1'],
      [7, 'LYON', 'ev1', 'sale', 'VE', 'receivable', '467000', 'HQ', 1000, 1200, 'USD', '2026-04-02T09:30:00Z', 'Vente W-1'],
    ]);
  });

  it('is written one element per movement and read as lines, like format 1 after down(), which keeps the guard', () => {
    const db = freshDb();
    const clock = clocked(db, '2026-04-01T12:00:00Z');
    importInto(clock.ctx, dailyScenario());
    clock.set('2026-04-02T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-DAY', '2026-04-02T09:30:00Z', ['ST-LYON'])] }));
    clock.set('2026-04-02T22:01:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));

    // Format 2: seven values, the last the movement's lines; invoices' rows (inv:) among them.
    const written = elements(db);
    expect(written.length).toBeGreaterThan(10);
    for (const el of written) {
      expect(el).toHaveLength(7);
      expect(Array.isArray(el[6]) && (el[6] as unknown[]).length > 0).toBe(true);
    }
    expect(rows(db).some((r) => r[1].startsWith('inv:'))).toBe(true);
    detailMatchesEntries(db);
    const before = reads(db);
    expect(before.detail.flat().length).toBeGreaterThan(written.length);
    expect(before.tags.length).toBeGreaterThan(0);
    const stored = rows(db);

    db.transaction(() => down.down(db))();
    // Format 1: one element per line, the same lines in the same order, the rows otherwise the same.
    const after = rows(db);
    expect(after.map(([id, order, , at]) => [id, order, at])).toEqual(stored.map(([id, order, , at]) => [id, order, at]));
    for (const [i, [, , json]] of after.entries()) {
      const lines = JSON.parse(json) as SubledgerLine[];
      for (const l of lines) expect(l).toHaveLength(13);
      expect(lines).toEqual(subledgerLines(stored[i]![2]));
      expect(json.length).toBeGreaterThan(stored[i]![2].length);
    }
    expect(reads(db)).toEqual(before);
    expect(() => db.prepare("UPDATE subledger SET lines_json = '[]'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM subledger').run()).toThrow(/append-only/);

    // Back on format 2 (up() changes nothing): new rows in format 2 beside the old in format 1,
    // and a day's entry whose movements are in both reads whole.
    db.transaction(() => down.up(db))();
    clock.set('2026-04-03T10:00:00Z');
    importInto(clock.ctx, dailyScenario({ events: false, orders: [shipFromStore('W-NEXT', '2026-04-03T09:30:00Z', ['ST-LYON'])] }));
    clock.set('2026-04-03T22:01:00Z');
    ok(call(clock.ctx, 'journal.post', { orders: [] }));
    const lengths = new Set(elements(db).map((el) => el.length));
    expect([...lengths].sort()).toEqual([13, 7]);
    const detail = (db.prepare("SELECT DISTINCT entry_id FROM daily_batches WHERE entry_date = '2026-04-03' AND entry_id IS NOT NULL").pluck().all() as number[])
      .map((e) => dailyDetail(db, e));
    expect(detail.flat().length).toBeGreaterThan(0);
    detailMatchesEntries(db);
    expect(reads(db).detail.slice(0, before.detail.length)).toEqual(before.detail);
  });
});
