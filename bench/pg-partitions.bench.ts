// What migration 0014's partitions cost the writes on PostgreSQL (docs/decisions/0018-postgresql-schema.md):
// journal entries, their lines, orders and settlement lines written as the store writes them
// (multi-row inserts of 500 rows, one transaction), into three databases of one private server:
// - plain: the schema before 0014 (no partitions);
// - partitioned: 0014 as built (a year's lines refer to that year's entries);
// - parent reference: 0014 with the lines referring to the partitioned journal instead.
// Each round writes into three fresh databases, one after the other, so the machine's load falls
// on each alike; only the ratios within a run mean something.
//   npx tsx bench/pg-partitions.bench.ts [--entries 10000] [--rounds 3]
import { parseArgs } from 'node:util';
import { migrations } from '../migrations/index.js';
import { migrate } from '../core/store/database.js';
import type { Db } from '../core/store/db.js';
import { PgDatabase } from '../core/store/pg/pg-database.js';
import { startPostgres } from '../test/helpers/postgres.js';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' } } });
const N = Number(values.entries);
const ROUNDS = Number(values.rounds);
const ROWS = 500;
const before0014 = migrations.filter((m) => m.name !== '0014_postgres_partitions');

const server = startPostgres();

function database(name: string, list: typeof migrations): Db {
  const url = server.createDatabase(name);
  const db = new PgDatabase(url);
  migrate(db, url, list, () => new Date());
  db.exec("INSERT INTO entities (id, name, kind, siren) VALUES ('HQ', 'Siège', 'franchisor', '552100554')");
  if (list.length === migrations.length) db.exec("SELECT ventil_open_year('2026')");
  return db;
}

const repeated = (row: string, n: number) => new Array<string>(n).fill(row).join(', ');
const STATEMENTS = {
  entries: `INSERT INTO journal_entries (id, entity, journal, fiscal_year, number, entry_date, event_at, valid_at, label, piece_ref, piece_date, source_key, currency, orig_currency)
    VALUES ${repeated("(?, 'HQ', 'VE', '2026', ?, '2026-03-01', '2026-03-01T10:00:00Z', '2026-03-02T00:00:00Z', 'Vente', 'p', '2026-03-01', 's', 'EUR', 'EUR')", ROWS)}`,
  lines: `INSERT INTO journal_lines (entry_id, seq, fact, role, account, aux, debit, credit, label, amount_orig, orig_currency)
    VALUES ${repeated("(?, 0, 'sale', 'escrow', '467300', NULL, 100, 0, 'Vente', 100, 'EUR'), (?, 1, 'sale', 'sales', '707000', NULL, 0, 100, 'Vente', -100, 'EUR')", ROWS)}`,
  orders: `INSERT INTO orders (id, channel, created_at, currency, content_hash, imported_at) VALUES ${repeated("(?, 'web', '2026-03-01T10:00:00Z', 'EUR', 'h', 'now')", ROWS)}`,
  settlementLines: `INSERT INTO settlement_lines (order_id, revision, line_id, seq, status, fulfiller, owner, shipper, gross, vat, net, fee_share, returned, refunded,
      reversed_gross, reversed_vat, decisions_json, legs_json)
    VALUES ${repeated("(?, 1, '1', 0, 'delivered', 'S1', 'S1', 'S1', 1200, 200, 1000, 0, 0, 0, 0, 0, '[]', '[]')", ROWS)}`,
};
type Part = keyof typeof STATEMENTS;

function write(db: Db): Record<Part | 'total', number> {
  const ms: Record<Part | 'total', number> = { entries: 0, lines: 0, orders: 0, settlementLines: 0, total: 0 };
  const timed = (part: Part, params: unknown[]) => {
    const t = performance.now();
    db.prepare(STATEMENTS[part]).run(...params);
    ms[part] += performance.now() - t;
  };
  const start = performance.now();
  db.transaction(() => {
    for (let first = 1; first <= N; first += ROWS) {
      const ids = Array.from({ length: ROWS }, (_, i) => first + i);
      timed('entries', ids.flatMap((id) => [id, id]));
      timed('lines', ids.flatMap((id) => [id, id]));
      timed('orders', ids.map((id) => `O${id}`));
      timed('settlementLines', ids.map((id) => `O${id}`));
    }
  })();
  ms.total = performance.now() - start;
  db.close();
  return ms;
}

function parentReference(name: string): Db {
  const db = database(name, migrations);
  db.exec(`ALTER TABLE journal_line_rows_default DROP CONSTRAINT journal_line_rows_default_entry_id_fiscal_year_fkey;
    ALTER TABLE journal_line_rows_2026 DROP CONSTRAINT journal_line_rows_2026_entry_id_fiscal_year_fkey;
    ALTER TABLE journal_line_rows ADD FOREIGN KEY (entry_id, fiscal_year) REFERENCES journal_entries(id, fiscal_year)`);
  return db;
}

const sums = { plain: 0, partitioned: 0, parentReference: 0 };
const show = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
for (let round = 1; round <= ROUNDS; round++) {
  const a = write(database(`plain_${round}`, before0014));
  const b = write(database(`partitioned_${round}`, migrations));
  const c = write(parentReference(`parent_reference_${round}`));
  sums.plain += a.total;
  sums.partitioned += b.total;
  sums.parentReference += c.total;
  console.log(`round ${round} (ms): plain [${show(a)}]; partitioned [${show(b)}]; parent reference [${show(c)}]`);
}
console.log(`${N} entries, ${2 * N} journal lines, ${N} orders and settlement lines per round: partitioned / plain ${(sums.partitioned / sums.plain).toFixed(2)}, `
  + `with the lines referring to the partitioned journal / plain ${(sums.parentReference / sums.plain).toFixed(2)}`);
server.stop();
