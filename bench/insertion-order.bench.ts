// What migration 0015's insertion order costs an order insert on SQLite: 100,000 orders inserted
// one prepared row at a time (as the import does) into the orders table without `seq`, with `seq`
// numbered by the AFTER INSERT trigger (what the store does), with `seq` given by the writer and
// the trigger present, and with `seq` given and no trigger. CPU µs per order, best and median of 5.
//   npx tsx bench/insertion-order.bench.ts [--hub]   (--hub: with the change trigger a hub has)
import Database from 'better-sqlite3-multiple-ciphers';

const N = 100_000;
const hub = process.argv.includes('--hub');
type Mode = 'no column' | 'trigger numbers' | 'writer numbers, trigger present' | 'writer numbers, no trigger';
const MODES: readonly Mode[] = ['no column', 'trigger numbers', 'writer numbers, trigger present', 'writer numbers, no trigger'];

function run(mode: Mode): number {
  const db = new Database(':memory:');
  db.exec(`CREATE TABLE orders (id TEXT PRIMARY KEY, channel TEXT NOT NULL, created_at TEXT NOT NULL, currency TEXT NOT NULL, content_hash TEXT NOT NULL, imported_at TEXT NOT NULL) STRICT;
    CREATE INDEX orders_created_id ON orders(created_at, id);
    CREATE TABLE change_dirty (kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, key)) STRICT, WITHOUT ROWID;`);
  if (hub) db.exec("CREATE TRIGGER change_orders_insert AFTER INSERT ON orders BEGIN INSERT INTO change_dirty (kind, key) VALUES ('order', CAST(NEW.id AS TEXT)) ON CONFLICT DO NOTHING; END;");
  if (mode !== 'no column') db.exec('ALTER TABLE orders ADD COLUMN seq INTEGER; CREATE INDEX orders_seq ON orders(seq);');
  if (mode === 'trigger numbers' || mode === 'writer numbers, trigger present') {
    db.exec(`CREATE TRIGGER orders_seq AFTER INSERT ON orders WHEN NEW.seq IS NULL
      BEGIN UPDATE orders SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM orders) WHERE id = NEW.id; END;`);
  }
  const given = mode.startsWith('writer');
  const put = db.prepare(`INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at${given ? ', seq' : ''})
    VALUES (?, 'web', ?, 'EUR', 'a5f0c3e1b2d4a5f0c3e1b2d4a5f0c3e1', '2026-12-01T00:00:00.000Z'${given ? ', ?' : ''})`);
  const c0 = process.cpuUsage();
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      const args = [`W-${(i * 7919) % N}`, `2026-01-01T00:00:${i}`];
      put.run(...(given ? [...args, i + 1] : args));
    }
  })();
  const c = process.cpuUsage(c0);
  db.close();
  return (c.user + c.system) / N;
}

const times = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
for (let k = 0; k < 5; k++) for (const m of MODES) times.get(m)!.push(run(m));
for (const [m, t] of times) {
  t.sort((a, b) => a - b);
  console.log(`${m.padEnd(32)} best ${t[0]!.toFixed(1)} µs/order, median ${t[2]!.toFixed(1)}${hub ? ' (hub)' : ''}`);
}
