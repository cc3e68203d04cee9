// Benchmark of the orders view in a real browser on a large network: how long until every order
// of the database is in the table (paged `orders.list` calls), how long a sort, a filter, a scroll
// to the end and a CSV export take, and how many rows the DOM holds (virtualization).
//
//   npx tsx bench/ui-orders.bench.ts [--orders 100000] [--seed 7] [--fresh]
//
// The database is generated once (core/demo/generate.ts, then `ventil import`) and kept in the
// temp folder for the next runs (--fresh rebuilds it); importing 100,000 orders takes minutes.
// Uses the e2e harness: `ventil serve` plus Debian's Chromium (/usr/bin/chromium).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateScenario } from '../core/demo/generate.js';
import { cli, startApp, until } from '../test/e2e/harness.js';

const { values } = parseArgs({ options: { orders: { type: 'string', default: '100000' }, seed: { type: 'string', default: '7' }, fresh: { type: 'boolean', default: false } } });
const N = Number(values.orders);
const seed = Number(values.seed);
const db = join(tmpdir(), `ventil-bench-ui-orders-${N}-${seed}.db`);

const ms = (t0: number) => Math.round(performance.now() - t0);
const results: [string, string][] = [];
const note = (what: string, value: string) => { results.push([what, value]); console.log(`${what.padEnd(44)} ${value}`); };

async function buildDatabase() {
  if (values.fresh) for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  if (existsSync(db)) { note('database', `${db} (reused)`); return; }
  let t0 = performance.now();
  const scenario = generateScenario({ seed, franchisees: 24, orders: N });
  const file = join(tmpdir(), `ventil-bench-ui-orders-${N}-${seed}.json`);
  writeFileSync(file, JSON.stringify(scenario));
  note('generate scenario', `${ms(t0)} ms`);
  t0 = performance.now();
  await cli(['import', file, '--db', db]);
  rmSync(file, { force: true });
  note(`import ${N.toLocaleString('en')} orders`, `${ms(t0)} ms`);
}

async function main() {
  await buildDatabase();
  const app = await startApp({ seed: { db } });
  try {
    const { page } = app;
    await app.open('/overview');
    const countText = async () => ((await page.locator('[data-testid="orders-table"] .dt-count').textContent()) ?? '').replace(/[\u202f\u00a0]/g, ' ');
    const loaded = (n: number) => async () => (await countText()).startsWith(`${n.toLocaleString('fr-FR').replace(/[\u202f\u00a0]/g, ' ')} sur`);
    const total = (await app.api<{ total: number }>('orders.list', { limit: 1 }) as { ok: true; value: { total: number } }).value.total;

    let t0 = performance.now();
    await page.evaluate(() => { window.location.hash = '/orders'; });
    await until(loaded(total), 'every order in the table', 600_000);
    note(`load ${total.toLocaleString('en')} orders into the table`, `${ms(t0)} ms`);
    const domRows = await page.locator('[data-testid="orders-table"] .dt-body [role="row"]').count();
    note('rows in the DOM', String(domRows));

    const table = page.getByRole('table', { name: 'Commandes' });
    const firstCell = async () => table.locator('.dt-body [role="row"][aria-rowindex="2"] [role="cell"]').nth(4).textContent();
    const before = await firstCell();
    t0 = performance.now();
    await table.getByRole('columnheader', { name: /Encaissé/ }).getByRole('button').click();
    await until(async () => (await table.getAttribute('aria-busy')) === null && (await firstCell()) !== before, 'the sort', 120_000);
    note('sort by amount captured', `${ms(t0)} ms`);

    t0 = performance.now();
    await page.getByLabel('Filtrer').fill('W-0000');
    await until(async () => !(await loaded(total)()), 'the filter', 120_000);
    note('filter "W-0000"', `${ms(t0)} ms (${await countText()})`);
    await page.getByLabel('Filtrer').fill('');
    await until(loaded(total), 'the filter to clear', 120_000);

    t0 = performance.now();
    await page.locator('[data-testid="orders-table"] .dt-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await table.locator(`[aria-rowindex="${total + 1}"]`).waitFor({ timeout: 60_000 });
    note('scroll to the last row', `${ms(t0)} ms`);

    t0 = performance.now();
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 600_000 }), page.getByRole('button', { name: 'Exporter CSV' }).click()]);
    const text = await readFile((await download.path())!, 'utf8');
    note('export CSV', `${ms(t0)} ms (${(text.length / 1e6).toFixed(1)} MB, ${text.split('\r\n').length - 2} rows)`);
    if (app.pageErrors.length) note('page errors', app.pageErrors.join(' | '));
  } finally {
    await app.stop();
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
