// Benchmark of the DataTable in a real browser (the entities view, its API answer replaced by
// generated rows through request interception, as test/e2e/datatable.test.ts does): how long a
// sort, a filter and typing four keys take with 1,000 rows and with 100,000, measured in one run,
// and the ratio between the two. The ratios are what to compare between machines and runs: a
// shared machine changes every duration, much less how they scale with the number of rows.
//
//   npx tsx bench/datatable.bench.ts [--small 1000] [--large 100000] [--runs 3]
//
// Uses the e2e harness: `ventil serve` plus Debian's Chromium (/usr/bin/chromium), and out/
// (npm run build).
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startApp, until, type App } from '../test/e2e/harness.js';

const { values } = parseArgs({ options: { small: { type: 'string', default: '1000' }, large: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } } });
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const RUNS = Number(values.runs);

const REGIONS = ['AURA', 'BRE', 'HDF', 'IDF', 'NAQ', 'OCC', 'PACA', null];
const KINDS = ['franchisee', 'franchisor', 'subsidiary', '3pl'];

/** n entities whose names sort in an order unrelated to their ids; one in three says "Élan". */
function entities(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: `E${String(i).padStart(6, '0')}`, name: `Société ${(i * 7919) % n} ${i % 3 === 0 ? 'Élan' : 'Nord'}`, kind: KINDS[i % 4],
    siren: String(100000000 + i), vat_number: null, region: REGIONS[i % 8], psp_account: null, erp_code: String(i % 5000),
    fiscal_year_end: '12-31', currency: 'EUR',
  }));
}

const firstName = (page: Page) => page.getByRole('table', { name: 'Entités' }).locator('.dt-body [role="row"][aria-rowindex="2"] [role="cell"]').nth(1).textContent();
const count = async (page: Page) => ((await page.locator('.dt-count').textContent()) ?? '').replace(/[\u202f\u00a0]/g, ' ');

async function timed(what: string, act: () => Promise<void>, done: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await act();
  await until(done, what, 120_000);
  return performance.now() - t0;
}

interface Timings { sort: number; filter: number; typing: number }

/** One pass over a table of n rows: the median of RUNS sorts, filters and typings. */
async function measure(app: App, n: number): Promise<Timings> {
  const { page } = app;
  const body = JSON.stringify({ ok: true, value: entities(n) });
  await page.unroute('**/api/network.entities.list');
  await page.route('**/api/network.entities.list', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
  const runs: Timings[] = [];
  for (let r = 0; r < RUNS; r++) {
    await app.open('/registry/entities');
    const table = page.getByRole('table', { name: 'Entités' });
    await until(async () => (await table.getAttribute('aria-rowcount')) === String(n + 1), `the ${n} rows`, 120_000);
    const sort = await timed('sorting by name', () => table.getByRole('columnheader', { name: /Raison sociale/ }).getByRole('button').click(),
      async () => (await firstName(page)) === 'Société 0 Élan');
    // The ids E000490-E000499 whose name says Élan: 3 rows whatever n (n ≥ 500).
    const filter = await timed('filtering', () => page.getByLabel('Filtrer').fill('elan e00049'),
      async () => (await count(page)).startsWith('3 sur'));
    await page.getByLabel('Filtrer').fill('');
    await until(async () => (await count(page)).startsWith(`${n.toLocaleString('fr-FR').replace(/[\u202f\u00a0]/g, ' ')} sur`), 'the filter to clear', 120_000);
    const typing = await timed('typing', () => page.getByLabel('Filtrer').pressSequentially('Nord', { delay: 0 }),
      async () => (await page.getByLabel('Filtrer').inputValue()) === 'Nord');
    runs.push({ sort, filter, typing });
  }
  const median = (k: keyof Timings) => runs.map((t) => t[k]).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return { sort: median('sort'), filter: median('filter'), typing: median('typing') };
}

async function main() {
  const app = await startApp({ seed: 'demo' });
  try {
    const small = await measure(app, SMALL);
    const large = await measure(app, LARGE);
    const rows = (Object.keys(small) as (keyof Timings)[]).map((k) => ({
      step: k, [`${SMALL} rows (ms)`]: Math.round(small[k]), [`${LARGE} rows (ms)`]: Math.round(large[k]), ratio: Number((large[k] / small[k]).toFixed(1)),
    }));
    console.table(rows);
    console.log(`${LARGE / SMALL}x the rows; median of ${RUNS} runs each, measured in one run on this machine`);
    if (app.pageErrors.length) console.log(`page errors: ${app.pageErrors.join(' | ')}`);
  } finally {
    await app.stop();
  }
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
