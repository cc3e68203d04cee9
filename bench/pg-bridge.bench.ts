// What the synchronous PostgreSQL bridge costs (docs/decisions/0013-postgresql.md): a round trip
// through the worker thread (core/store/pg/sync-pg.ts, the caller blocked on Atomics.wait) against
// the same query awaited on `pg` directly; and bulk writes of settlement-sized rows, one row per
// statement, as multi-row INSERTs sent without waiting, and as one INSERT ... SELECT FROM
// unnest(column arrays) per chunk, against SQLite's prepared insert of the same rows. Ratios
// are what to compare: the machine is shared, its durations are not.
//
//   npx tsx bench/pg-bridge.bench.ts [--trips 2000] [--rows 100000] [--chunk 1000]
//
// Starts a private PostgreSQL server (test/helpers/postgres.ts; needs Debian's postgresql).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SyncPg } from '../core/store/pg/sync-pg.js';
import { openSqlite } from '../core/store/sqlite.js';
import { startPostgres } from '../test/helpers/postgres.js';

const { values } = parseArgs({ options: { trips: { type: 'string', default: '2000' }, rows: { type: 'string', default: '100000' }, chunk: { type: 'string', default: '1000' } } });
const TRIPS = Number(values.trips);
const ROWS = Number(values.rows);
const CHUNK = Number(values.chunk);
const COLS = ['order_id', 'revision', 'line_id', 'entity', 'kind', 'amount', 'currency', 'release_at'];
const DDL = `CREATE TABLE shares (order_id TEXT NOT NULL, revision INTEGER NOT NULL, line_id TEXT NOT NULL, entity TEXT NOT NULL, kind TEXT NOT NULL,
  amount BIGINT NOT NULL, currency TEXT NOT NULL, release_at TEXT, PRIMARY KEY (order_id, revision, line_id, entity, kind))`;
const row = (i: number) => [`W-${String(i).padStart(8, '0')}`, 1, String(i % 4), `E${i % 300}`, i % 2 ? 'payout' : 'commission', i * 7 % 100_000, 'EUR', '2026-03-01T00:00:00.000Z'];

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const values$ = (n: number, from = 1) => Array.from({ length: n }, (_, r) => `(${COLS.map((_, c) => `$${from + r * COLS.length + c}`).join(', ')})`).join(', ');

const server = startPostgres();
try {
  const url = server.createDatabase('bench');
  const direct = new pg.Client({ connectionString: url });
  await direct.connect();
  const bridge = new SyncPg(url);

  // Round trips.
  for (let i = 0; i < 100; i++) { await direct.query('SELECT $1::int AS x', [i]); bridge.query('SELECT $1::int AS x', [i]); }
  let t = process.hrtime.bigint();
  for (let i = 0; i < TRIPS; i++) await direct.query('SELECT $1::int AS x', [i]);
  const directTrip = ms(t) / TRIPS;
  t = process.hrtime.bigint();
  for (let i = 0; i < TRIPS; i++) bridge.query('SELECT $1::int AS x', [i]);
  const bridgeTrip = ms(t) / TRIPS;

  // Bulk writes.
  const rows = Array.from({ length: ROWS }, (_, i) => row(i));
  const sqlite = openSqlite(':memory:');
  sqlite.exec(DDL);
  const put = sqlite.prepare(`INSERT INTO shares (${COLS.join(', ')}) VALUES (${COLS.map(() => '?').join(', ')})`);
  t = process.hrtime.bigint();
  sqlite.transaction(() => { for (const r of rows) put.run(...r); })();
  const sqliteMs = ms(t);
  sqlite.close();

  bridge.run(DDL);
  const one = `INSERT INTO shares (${COLS.join(', ')}) VALUES ${values$(1)}`;
  const single = Math.min(ROWS, 5000);
  t = process.hrtime.bigint();
  bridge.transaction(() => { for (let i = 0; i < single; i++) bridge.send(one, rows[i]!); });
  const perRowMs = ms(t) / single * ROWS;
  bridge.run('TRUNCATE shares');
  t = process.hrtime.bigint();
  bridge.transaction(() => {
    for (let i = 0; i < ROWS; i += CHUNK) {
      const part = rows.slice(i, i + CHUNK);
      bridge.send(`INSERT INTO shares (${COLS.join(', ')}) VALUES ${values$(part.length)}`, part.flat());
    }
  });
  const multiMs = ms(t);
  bridge.run('TRUNCATE shares');
  // One array per column: eight parameters per chunk however many rows, no VALUES list to parse.
  const TYPES = ['text', 'int', 'text', 'text', 'text', 'bigint', 'text', 'text'];
  const unnest = `INSERT INTO shares (${COLS.join(', ')}) SELECT * FROM unnest(${TYPES.map((ty, c) => `$${c + 1}::${ty}[]`).join(', ')})`;
  t = process.hrtime.bigint();
  bridge.transaction(() => {
    for (let i = 0; i < ROWS; i += CHUNK * 5) {
      const part = rows.slice(i, i + CHUNK * 5);
      bridge.send(unnest, COLS.map((_, c) => part.map((r) => r[c])));
    }
  });
  const unnestMs = ms(t);
  bridge.run('TRUNCATE shares');
  t = process.hrtime.bigint();
  await direct.query('BEGIN');
  for (let i = 0; i < ROWS; i += CHUNK) {
    const part = rows.slice(i, i + CHUNK);
    await direct.query(`INSERT INTO shares (${COLS.join(', ')}) VALUES ${values$(part.length)}`, part.flat());
  }
  await direct.query('COMMIT');
  const directMultiMs = ms(t);

  const rate = (n: number, m: number) => `${Math.round(n / (m / 1000)).toLocaleString('en')} rows/s`;
  console.log(`round trip: pg awaited ${(directTrip * 1000).toFixed(0)} µs, bridge ${(bridgeTrip * 1000).toFixed(0)} µs (ratio ${(bridgeTrip / directTrip).toFixed(2)})`);
  console.log(`${ROWS.toLocaleString('en')} rows: SQLite prepared ${rate(ROWS, sqliteMs)}; PostgreSQL one per statement ${rate(ROWS, perRowMs)} (from ${single}),`
    + ` multi-row ×${CHUNK} through the bridge ${rate(ROWS, multiMs)}, awaited on pg ${rate(ROWS, directMultiMs)};`
    + ` unnest of column arrays ×${CHUNK * 5} through the bridge ${rate(ROWS, unnestMs)}`);
  console.log(`ratio to SQLite: PostgreSQL multi-row (bridge) ${(multiMs / sqliteMs).toFixed(2)}, unnest (bridge) ${(unnestMs / sqliteMs).toFixed(2)}; multi-row bridge / awaited pg: ${(multiMs / directMultiMs).toFixed(2)}`);
  bridge.close();
  await direct.end();
} finally {
  server.stop();
}
