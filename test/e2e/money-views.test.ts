// A store's payouts and head office's reconciliation in the back office (issue 15), on the demo:
// the store manager sees the transfers received with the orders each pays and the next payout,
// and downloads the statement; finance sees the demo's explained mismatch, explains the other
// one with a note, and uploads a settlement report.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshotInEnglish, startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo', user: { login: 'store', password: 'demo-store-2026' } }); });
afterAll(async () => { await app?.stop(); });

describe('money views', () => {
  test('a store manager sees the payouts received, the orders each pays, the next payout, and downloads the statement', async () => {
    const { page } = app;
    await app.open('/payouts');
    const table = page.getByTestId('payouts-table');
    await table.locator('.dt-body .dt-row').first().waitFor();
    expect(await page.getByTestId('next-payout').first().textContent()).toMatch(/Prochain versement prévu le .*€/);
    // The interval is a caption under the amount, not a second figure.
    const sizes = await page.getByTestId('next-payout').first().evaluate((card) => [...card.querySelectorAll('dd')].map((d) => [d.textContent, parseFloat(getComputedStyle(d).fontSize)] as const));
    const every = sizes.find(([text]) => /tous les \d+ jours/.test(text ?? ''));
    expect(every?.[1]).toBeLessThan(14);
    expect(every![1]).toBeLessThan(sizes[0]![1]);
    await table.locator('.dt-body .dt-row').first().click();
    const orders = page.getByTestId('payout-orders');
    await orders.locator('tbody tr').first().waitFor();
    expect(await orders.locator('tbody tr').count()).toBeGreaterThan(0);
    await app.screenshot('store-payouts');
    await screenshotInEnglish(app, 'store-payouts', 'Payouts', 'Versements reçus');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Relevé CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^versements_F\d+\.csv$/);
    const path = join(tmpdir(), `payouts-${process.pid}.csv`);
    await file.saveAs(path);
    expect(readFileSync(path, 'utf8').split('\n').length).toBeGreaterThan(1);
  });

  test('finance explains a mismatch with a note and uploads a settlement report', async () => {
    const { page } = app;
    await app.signInAs({ login: 'finance', password: 'demo-finance-2026' });
    await app.open('/reconciliation');
    const table = page.getByTestId('recon-table');
    await table.locator('.dt-body .dt-row').first().waitFor();
    expect(await page.getByTestId('recon-explained').textContent()).toBe('1');
    // The open mismatch (a transfer missing from the PSP's report): explain it.
    await table.locator('.dt-row', { hasText: 'Absent du relevé PSP' }).first().click();
    const drawer = page.getByTestId('recon-drawer');
    await drawer.getByLabel('Explication (obligatoire)').fill('Virement parti le lendemain, présent dans le relevé suivant');
    await drawer.getByRole('button', { name: 'Marquer comme expliqué' }).click();
    await until(async () => (await page.getByTestId('recon-explained').textContent()) === '2', 'both mismatches explained');
    await app.screenshot('reconciliation');
    await screenshotInEnglish(app, 'reconciliation', 'Reconciliation with the PSP', 'Rapprochement');

    const csv = join(tmpdir(), `settlement-${process.pid}.csv`);
    writeFileSync(csv, 'balance_transaction_id,created_utc,reporting_category,source_id,currency,gross,fee,net,connected_account,transfer_id,payment_intent_id,transfer_group,order_id,entity,ventil_key\n'
      + 'txn_e2e_1,2026-11-20T10:00:00Z,transfer,tr_e2e_1,eur,-12.00,0.00,-12.00,,tr_e2e_1,,,,F001,\n');
    await page.getByLabel('Importer le relevé du PSP (CSV, 20 Mo au plus)').setInputFiles(csv);
    await page.getByRole('status').filter({ hasText: 'Relevé rapproché' }).waitFor();
    const runs = await app.api<{ runs: unknown[] }>('sync.reconciliation.list', {});
    if (!runs.ok) throw new Error(runs.error.message);
    expect(runs.value.runs).toHaveLength(2);
    expect(app.pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
