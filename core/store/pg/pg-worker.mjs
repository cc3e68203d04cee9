// The thread that owns the PostgreSQL connection of a synchronous caller (sync-pg.ts). It runs
// the statements it receives in their order and posts one answer per statement, then bumps the
// shared counter the caller waits on. Plain JavaScript: it must start without a TypeScript loader.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

const { url, port, signal } = workerData;
// Rows look like SQLite's, whose values are integers, reals, text and blobs: BIGINT and NUMERIC
// (what sum(bigint) returns) come back as numbers when they fit exactly (amounts are integer
// minor units), booleans as 1/0, dates, times and JSON as the text PostgreSQL prints.
const asNumber = (v) => { const n = Number(v); return Number.isInteger(n) && !Number.isSafeInteger(n) ? v : n; };
const asText = (v) => v;
pg.types.setTypeParser(20, asNumber);
pg.types.setTypeParser(1700, asNumber);
pg.types.setTypeParser(16, (v) => (v === 't' ? 1 : 0));
for (const oid of [1082, 1083, 1114, 1184, 114, 3802]) pg.types.setTypeParser(oid, asText);

function answer(message) {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

const client = new pg.Client({ connectionString: url });
// A connection lost between statements (the server stopped): the next statement fails with it.
client.on('error', () => {});
try {
  await client.connect();
  answer({ ready: true });
} catch (e) {
  answer({ error: describe(e) });
}

function describe(e) {
  return { name: e?.name ?? 'Error', message: String(e?.message ?? e), code: e?.code ?? null };
}

// One statement at a time, in arrival order (pg has no pipelining; a chain keeps the order
// without calling query() while another runs).
let chain = Promise.resolve();
port.on('message', (m) => {
  if (m.close) { chain = chain.then(() => client.end()).finally(() => port.close()); return; }
  chain = chain.then(() => client.query({ text: m.sql, values: m.params, rowMode: m.rowMode }).then(
    (r) => answer({ rows: r.rows, rowCount: r.rowCount ?? 0 }),
    (e) => answer({ error: describe(e) }),
  ));
});
