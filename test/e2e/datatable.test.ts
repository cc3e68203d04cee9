// The DataTable on real data (the demo entities) and on 100,000 rows (the API answer replaced
// by the test through request interception: the product never shows generated rows): sorting,
// filtering, row count, virtualization, CSV export with RFC 4180 quoting and a UTF-8 BOM, and
// cancelling a long export.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

interface Entity { id: string; name: string; kind: string; siren: string; region: string | null; [k: string]: unknown }

const visibleColumn = (page: Page, column: number) =>
  page.getByRole('table', { name: 'Entités' }).locator('.dt-body [role="row"]').evaluateAll(
    (rows, c) => rows
      .sort((a, b) => Number(a.getAttribute('aria-rowindex')) - Number(b.getAttribute('aria-rowindex')))
      .map((r) => r.querySelectorAll('[role="cell"]')[c]!.textContent ?? ''),
    column,
  );

async function download(page: Page, click: () => Promise<void>): Promise<{ file: Download; text: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const bytes = await readFile((await file.path())!);
  return { file, bytes, text: bytes.toString('utf8') };
}

describe('DataTable', () => {
  test('sorts, filters and exports the visible rows as CSV', async () => {
    const { page } = app;
    // A name that needs quoting in both separators.
    const tricky = { id: 'QUOTE', name: 'Dupont "Nord"; Fils, SARL', kind: 'other', siren: '552100554', region: 'HDF' };
    expect((await app.api('network.entities.create', tricky)).ok).toBe(true);
    const all = await app.api<Entity[]>('network.entities.list');
    if (!all.ok) throw new Error(all.error.message);
    const entities = all.value;

    await app.open('/registry/entities');
    const table = page.getByRole('table', { name: 'Entités' });
    await table.locator('.dt-body [role="row"]').first().waitFor();
    expect(await table.getAttribute('aria-rowcount')).toBe(String(entities.length + 1));

    // Sort by name, ascending then descending, compared with the French collation.
    const collator = new Intl.Collator('fr-FR', { numeric: true, sensitivity: 'base' });
    const byName = entities.map((e) => e.name).sort(collator.compare);
    const nameHeader = table.getByRole('columnheader', { name: /Raison sociale/ });
    await nameHeader.getByRole('button').click();
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await visibleColumn(page, 1)).toEqual(byName);
    await nameHeader.getByRole('button').click();
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await visibleColumn(page, 1)).toEqual([...byName].reverse());

    // Filter: every word must appear somewhere in the row, accents ignored.
    const hdf = entities.filter((e) => e.region === 'HDF');
    expect(hdf.length).toBeGreaterThan(1);
    await page.getByLabel('Filtrer').fill('hdf');
    await until(async () => (await visibleColumn(page, 1)).length === hdf.length, 'the filter to apply');
    expect(await page.locator('.dt-count').textContent()).toBe(`${hdf.length} sur ${entities.length} lignes`);
    expect(await visibleColumn(page, 1)).toEqual(hdf.map((e) => e.name).sort(collator.compare).reverse());
    await app.screenshot('datatable-filter');

    // Export with the French separator: BOM, header, CRLF, decimal-comma friendly quoting.
    await page.getByLabel('Séparateur CSV').selectOption(';');
    const fr = await download(page, () => page.getByRole('button', { name: 'Exporter CSV' }).click());
    expect(fr.file.suggestedFilename()).toMatch(/^entites-\d{4}-\d{2}-\d{2}\.csv$/);
    expect([...fr.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = fr.text.slice(1).split('\r\n');
    expect(lines.pop()).toBe(''); // ends with CRLF
    expect(lines[0]).toBe('Identifiant;Raison sociale;Type;SIREN;N° TVA intracommunautaire;Région;Code ERP;Clôture de l’exercice;Devise comptable');
    expect(lines.length - 1).toBe(hdf.length);
    const quoteLine = lines.find((l) => l.startsWith('QUOTE;'))!;
    expect(quoteLine).toBe('QUOTE;"Dupont ""Nord""; Fils, SARL";Autre;552100554;;HDF;;31 décembre;EUR');
    // Same order as on screen.
    expect(lines.slice(1).map((l) => l.split(';')[0])).toEqual(
      hdf.sort((a, b) => collator.compare(b.name, a.name)).map((e) => e.id),
    );

    await page.getByLabel('Séparateur CSV').selectOption(',');
    const rfc = await download(page, () => page.getByRole('button', { name: 'Exporter CSV' }).click());
    expect(rfc.text.split('\r\n').find((l) => l.startsWith('QUOTE,'))).toBe('QUOTE,"Dupont ""Nord""; Fils, SARL",Autre,552100554,,HDF,,31 décembre,EUR');

    // Row click opens the record.
    await page.getByLabel('Filtrer').fill('');
    await table.locator('[data-key="QUOTE"]').click();
    await page.getByRole('heading', { name: 'Modifier l’entité QUOTE' }).waitFor();
    expect(page.url()).toMatch(/#\/registry\/entities\/QUOTE$/);
    expect(app.pageErrors).toEqual([]);
  });

  test('stays responsive with 100,000 rows, and a long export can be cancelled', async () => {
    const { page } = app;
    const N = 100_000;
    const regions = ['AURA', 'BRE', 'HDF', 'IDF', 'NAQ', 'OCC', 'PACA', null];
    const kinds = ['franchisee', 'franchisor', 'subsidiary', '3pl'];
    const big = Array.from({ length: N }, (_, i) => ({
      id: `E${String(i).padStart(6, '0')}`, name: `Société ${(i * 7919) % N} ${i % 3 === 0 ? 'Élan' : 'Nord'}`, kind: kinds[i % 4],
      siren: String(100000000 + i), vat_number: null, region: regions[i % 8], psp_account: null, erp_code: String(i % 5000),
      fiscal_year_end: '12-31', currency: 'EUR',
    }));
    const body = JSON.stringify({ ok: true, value: big });
    await page.route('**/api/network.entities.list', (route) => route.fulfill({ status: 200, contentType: 'application/json', body }));
    try {
      await app.open('/registry/entities');
      const table = page.getByRole('table', { name: 'Entités' });
      await until(async () => (await table.getAttribute('aria-rowcount')) === String(N + 1), 'the 100,000 rows');
      // Virtualized: a screenful of rows in the DOM, not 100,000.
      const domRows = await table.locator('.dt-body [role="row"]').count();
      expect(domRows).toBeGreaterThan(5);
      expect(domRows).toBeLessThan(80);

      // Sort, filter and typing must finish (how fast is bench/datatable.bench.ts's business: no timings here).
      const firstName = async () => (await visibleColumn(page, 1))[0];
      await table.getByRole('columnheader', { name: /Raison sociale/ }).getByRole('button').click();
      await until(async () => (await firstName()) === 'Société 0 Élan', 'sorting by name', 60_000);
      await page.getByLabel('Filtrer').fill('elan e00499');
      await until(async () => (await page.locator('.dt-count').textContent())?.startsWith('3 sur') ?? false, 'filtering', 60_000);
      // Accents ignored ("elan" finds "Élan"), every word must match: ids E004990-E004999 whose name has Élan.
      expect((await visibleColumn(page, 0)).sort()).toEqual(['E004992', 'E004995', 'E004998']);
      await page.getByLabel('Filtrer').fill('');
      await until(async () => (await table.locator('.dt-body [role="row"]').count()) > 5, 'the filter to clear');
      // Scroll to the end: the last row is rendered with its index.
      await page.locator('.dt-scroll').evaluate((el) => { el.scrollTop = el.scrollHeight; });
      await table.locator(`[aria-rowindex="${N + 1}"]`).waitFor();
      // Typing reaches the filter box while a large table is on screen.
      await page.getByLabel('Filtrer').pressSequentially('Nord', { delay: 0 });
      await until(async () => (await page.getByLabel('Filtrer').inputValue()) === 'Nord', 'typing', 60_000);
      await page.getByLabel('Filtrer').fill('');
      await until(async () => (await page.locator('.dt-count').textContent())?.replace(/[\u202f\u00a0]/g, ' ') === '100 000 sur 100 000 lignes', 'all rows back');
      await page.locator('.dt-scroll').evaluate((el) => { el.scrollTop = 0; });
      await app.screenshot('datatable-100k');

      // A slowed-down export shows its progress and stops on Cancel, without a file.
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
      let downloaded = false;
      page.once('download', () => { downloaded = true; });
      // A DOM click: Playwright's own click waits for the slowed page to settle.
      await page.getByRole('button', { name: 'Exporter CSV' }).evaluate((b: HTMLElement) => b.click());
      const bar = page.getByRole('group', { name: 'Export CSV en cours' });
      await bar.locator('progress').waitFor({ timeout: 30_000 });
      await until(async () => Number(await bar.locator('progress').getAttribute('value')) > 0, 'some progress', 30_000);
      await app.screenshot('datatable-export-progress');
      await bar.getByRole('button', { name: 'Annuler' }).evaluate((b: HTMLElement) => b.click());
      await page.getByRole('status').filter({ hasText: 'Opération annulée.' }).waitFor({ timeout: 30_000 });
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
      await new Promise((r) => setTimeout(r, 300));
      expect(downloaded).toBe(false);

      // Unthrottled, the full export completes: header + 100,000 lines.
      const full = await download(page, () => page.getByRole('button', { name: 'Exporter CSV' }).click());
      const lines = full.text.split('\r\n');
      expect(lines.length).toBe(N + 2);
      expect(lines[1]!.startsWith('E000000;Société 0 Élan;')).toBe(true);
    } finally {
      await page.unroute('**/api/network.entities.list');
    }
    expect(app.pageErrors).toEqual([]);
  });
});
