// The same network on SQLite and on PostgreSQL, through the command line: one example scenario
// imported into each, released as of the same time, must give the same transfers, the same
// stored settlements, shares, transfers, journal entries and invoices, and the same FEC export,
// byte for byte. The clock is frozen, so the times written are the same too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../core/store/database.js';
import { columnsOf } from '../../core/store/dialect.js';
import { ventilHere } from '../helpers/cli.js';
import { exampleFile, tempDir } from '../helpers/db.js';
import { postgresTestsRun, sharedPostgres, type TestPostgres } from '../helpers/postgres.js';

const installed = postgresTestsRun('postgres-parity.test');

const NOW = new Date('2026-04-02T08:00:00Z');
const AS_OF = '2026-04-01T00:00:00Z';
const TABLES = ['settlements', 'settlement_lines', 'entity_shares', 'order_parties', 'release_runs', 'transfers', 'transfer_items', 'outbox',
  'journal_entries', 'journal_lines', 'invoices', 'invoice_lines'];

/** Every row of the tables, in primary-key order (all columns when there is none), as JSON text. */
function dump(url: string): Record<string, string> {
  const { db } = openDatabase({ file: url, readonly: true });
  try {
    return Object.fromEntries(TABLES.map((t) => {
      const cols = columnsOf(db, t);
      const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      const order = (key.length > 0 ? key : cols.map((c) => c.name)).join(', ');
      return [t, JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).all())];
    }));
  } finally {
    db.close();
  }
}

describe.skipIf(!installed)('the same network on SQLite and PostgreSQL', () => {
  const tmp = tempDir();
  let server: TestPostgres;
  const dbs: Record<'sqlite' | 'postgres', string> = { sqlite: join(tmp.dir, 'network.db'), postgres: '' };
  beforeAll(() => {
    server = sharedPostgres();
    dbs.postgres = server.createDatabase('network');
    vi.useFakeTimers({ toFake: ['Date'], now: NOW });
  });
  afterAll(() => {
    vi.useRealTimers();
    tmp.cleanup();
  });

  async function run(args: string[]): Promise<Record<'sqlite' | 'postgres', string>> {
    const out = { sqlite: '', postgres: '' };
    for (const backend of ['sqlite', 'postgres'] as const) {
      const r = await ventilHere([...args, '--db', dbs[backend]]);
      expect(r.stderr, `${backend}: ventil ${args.join(' ')}`).toBe('');
      expect(r.status, `${backend}: ventil ${args.join(' ')}`).toBe(0);
      out[backend] = r.stdout;
    }
    return out;
  }

  it('imports the example network into both', async () => {
    const out = await run(['import', exampleFile('network-basic.json'), '--json']);
    expect(out.postgres).toBe(out.sqlite);
  });

  it('releases the same transfers, and stores the same rows', async () => {
    const out = await run(['release', '--as-of', AS_OF, '--json']);
    expect(JSON.parse(out.sqlite).transfers.length).toBeGreaterThan(0);
    expect(out.postgres).toBe(out.sqlite);
    const [sqlite, postgres] = [dump(dbs.sqlite), dump(dbs.postgres)];
    for (const t of TABLES) expect(postgres[t], t).toBe(sqlite[t]);
    expect(sqlite.journal_entries.length).toBeGreaterThan(2);
  });

  it('exports the same FEC of a month', async () => {
    const dirs = { sqlite: join(tmp.dir, 'fec-sqlite'), postgres: join(tmp.dir, 'fec-postgres') };
    for (const backend of ['sqlite', 'postgres'] as const) {
      const r = await ventilHere(['export', 'fec', '--entity', 'HQ', '--period', '2026-03', '--out', dirs[backend], '--db', dbs[backend]]);
      expect(r.status, `${backend}: ${r.stderr}`).toBe(0);
    }
    const files = readdirSync(dirs.sqlite).sort();
    expect(readdirSync(dirs.postgres).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(join(dirs.postgres, f), 'utf8'), f).toBe(readFileSync(join(dirs.sqlite, f), 'utf8'));
  });
});
