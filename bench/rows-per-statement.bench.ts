// Rows per statement for the settlement writer's tables on SQLite (settlement-repo.ts):
// the rows of N orders written through `bulkInsert` one to a statement and 64 to a statement,
// each into a fresh database file with the store's schema and pragmas (foreign keys checked), in
// one transaction and in the order the writer adds them (chunks of 250 orders; parties sorted by
// entity within a chunk).
// Prints CPU seconds per table and way, best of the rounds; the ratio is what to read.
//   npm run bench:rows -- [--orders N] [--rounds N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bulkInsert } from '../core/store/bulk-insert.js';
import { openSqliteDatabase } from '../core/store/database.js';
import { LINE_COLS } from '../core/store/settlement-repo.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '2' } } });
const orders = Number(values.orders);
const rounds = Number(values.rounds);
if (!Number.isInteger(orders) || orders < 1) throw new Error(`--orders ${values.orders} is not a positive integer`);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds} is not a positive integer`);

const CHUNK = 250;
const id = (o: number) => `W-${String(o).padStart(7, '0')}`;
/** A deterministic spread of entities over 500, as the benchmark network has. */
const entityOf = (o: number, k: number) => `F${String((o * 7919 + k * 104_729) % 500).padStart(3, '0')}`;

const DECISIONS = JSON.stringify([{ at: '2026-03-01T10:00:00.000Z', location: 'ST-402', outcome: 'accepted' }]);
const LEGS = JSON.stringify([['commission', 'R-COM@1', 'seller', 'F022', 'platform', 'HQ', 3187, '0.05', 159, 32, null, 0, 0],
  ['royalty', 'R-ROY@2', 'platform', 'HQ', 'seller', 'F022', 3187, '0.04', 127, 25, null, 0, 0]]);

/** An order's shares as the settlement writer stores them (migration 0018): 3 lines x 3 entities. */
const sharesOf = (o: number) => JSON.stringify([1, 2, 3].flatMap((l) => ['HQ', entityOf(o, 1), entityOf(o, 2)].sort()
  .map((e) => [String(l), e, 'line', 1000 + (o % 97), 'EUR', '2026-03-04T10:00:00.000Z'])));

interface Table { name: string; head: string; width: number; tail?: string; rows: () => Generator<unknown[]>; ordersFirst?: boolean }
const TABLES: Table[] = [
  {
    name: 'settlement_lines (3 an order; their decisions and legs as JSON)', width: 23,
    head: `INSERT INTO settlement_lines (order_id, revision, ${LINE_COLS}) VALUES`,
    *rows() {
      for (let o = 0; o < orders; o++) {
        for (let l = 1; l <= 3; l++) {
          yield [id(o), 1, String(l), l - 1, 'delivered', entityOf(o, 1), entityOf(o, 1), entityOf(o, 1), null, null, 'HQ', entityOf(o, 1),
            3825, 638, 3187, 40, 0, 0, 0, 0, '2026-03-04T10:00:00.000Z', DECISIONS, LEGS];
        }
      }
    },
  },
  {
    name: 'settlement_revisions (their orders stored first: a foreign key; 3 lines x 3 entities\' shares as JSON)', width: 5, ordersFirst: true,
    head: 'INSERT INTO settlement_revisions (order_id, revision, computed_at, reason, shares_json) VALUES',
    *rows() { for (let o = 0; o < orders; o++) yield [id(o), 1, '2026-12-04T23:00:00.000Z', 'import', sharesOf(o)]; },
  },
  {
    name: 'order_parties (4 an order)', width: 3, tail: 'ON CONFLICT DO NOTHING',
    head: 'INSERT INTO order_parties (entity, order_id, created_at) VALUES',
    *rows() {
      for (let c = 0; c < orders; c += CHUNK) {
        const chunk: string[][] = [];
        for (let o = c; o < Math.min(orders, c + CHUNK); o++) {
          for (const e of new Set(['HQ', entityOf(o, 1), entityOf(o, 2), entityOf(o, 3)])) chunk.push([e, id(o), '2026-03-01T10:00:00.000Z']);
        }
        yield* chunk.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : a[1]! < b[1]! ? -1 : 1));
      }
    },
  },
];

const dir = mkdtempSync(join(tmpdir(), 'ventil-rows-'));
const now = new Date('2026-12-04T23:00:00.000Z');
/** CPU seconds to write the table's rows `perStatement` to a statement into a fresh database. */
function cpuSeconds(t: Table, rows: readonly unknown[][], perStatement: number, round: number): number {
  const file = join(dir, `${t.width}-${perStatement}-${round}.db`);
  const { db } = openSqliteDatabase({ file, now: () => now });
  if (t.ordersFirst) {
    const order = db.prepare("INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES (?, 'web', '2026-03-01T10:00:00.000Z', 'EUR', '-', '2026-12-04T23:00:00.000Z')");
    db.transaction(() => { for (let o = 0; o < orders; o++) order.run(id(o)); })();
  }
  const put = bulkInsert(db, t.head, t.width, { sqliteRows: perStatement, ...(t.tail ? { tail: t.tail } : {}) });
  const c0 = process.cpuUsage();
  db.transaction(() => {
    for (let i = 0; i < rows.length; i++) {
      put.add(rows[i]!);
      if ((i + 1) % (CHUNK * 3) === 0) put.flush(); // the writer flushes each chunk
    }
    put.flush();
  })();
  const c = process.cpuUsage(c0);
  db.close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  return (c.user + c.system) / 1e6;
}

try {
  console.log(`${orders.toLocaleString('en-US')} orders' rows, best of ${rounds} rounds (CPU s)`);
  for (const t of TABLES) {
    const rows = [...t.rows()];
    const best = (per: number) => Math.min(...Array.from({ length: rounds }, (_, r) => cpuSeconds(t, rows, per, r)));
    const one = best(1);
    const many = best(64);
    console.log(`${t.name}: one to a statement ${one.toFixed(2)}, 64 to a statement ${many.toFixed(2)} (ratio ${(many / one).toFixed(2)})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
