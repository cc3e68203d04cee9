// The shell on the demo database: the network summary matches the database, the DEMO banner is
// on every screen, the header names the network and the user's role, and the language switch
// turns the UI from French to English and remembers it.
import { openSqlite } from '../../core/store/sqlite.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

function count(table: string): number {
  const db = openSqlite(app.dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('app shell on the demo database', () => {
  test('opens on the overview with the counts of the database', async () => {
    const { page } = app;
    await app.open();
    await page.getByRole('heading', { level: 1, name: 'Vue d’ensemble du réseau' }).waitFor();
    // The run token is taken from the address bar and removed from it.
    expect(page.url()).not.toContain('token=');
    expect(page.url()).toMatch(/#\/overview$/);

    const entities = count('entities');
    const orders = count('orders');
    expect(entities).toBeGreaterThan(0);
    expect(orders).toBeGreaterThan(0);
    expect(await page.getByTestId('kpi-entities').getAttribute('data-value')).toBe(String(entities));
    expect(await page.getByTestId('kpi-orders').getAttribute('data-value')).toBe(String(orders));
    expect(await page.getByTestId('kpi-locations').getAttribute('data-value')).toBe(String(count('locations')));
    expect(await page.getByTestId('kpi-lines').getAttribute('data-value')).toBe(String(count('order_lines')));
    // French digit grouping for the displayed numbers (narrow no-break space).
    expect(await page.getByTestId('kpi-lines').textContent()).toBe(new Intl.NumberFormat('fr-FR').format(count('order_lines')));

    const name = JSON.parse((openSqlite(app.dbPath, { readonly: true }).prepare("SELECT value FROM network_settings WHERE key = 'name'").get() as { value: string }).value) as string;
    expect(await page.getByTestId('network-name').textContent()).toBe(name);
    expect(await page.getByTestId('user-role').textContent()).toBe('Siège — administrateur');
    // Both charts drew bars from the registry.
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await app.screenshot('overview');
    expect(app.pageErrors).toEqual([]);
  });

  test('shows the DEMO banner on every screen of the demo database', async () => {
    const { page } = app;
    await app.open();
    const routes = await page.locator('.sidebar a[data-nav]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    expect(routes.length).toBeGreaterThanOrEqual(5);
    for (const route of routes) {
      await page.evaluate((h) => { window.location.hash = h; }, route);
      await page.locator(`.sidebar a[href="${route}"][aria-current="page"]`).waitFor();
      const banner = page.getByTestId('demo-banner');
      expect(await banner.isVisible()).toBe(true);
      expect(await banner.textContent()).toContain('DÉMO');
    }
    await page.evaluate(() => { window.location.hash = '/registry/locations'; });
    await page.getByRole('table', { name: 'Sites' }).waitFor();
    await app.screenshot('demo-banner');
    expect(app.pageErrors).toEqual([]);
  });

  test('switches the language from French to English and keeps it after a reload', async () => {
    const { page } = app;
    await app.open('/overview');
    await page.getByRole('heading', { level: 1, name: 'Vue d’ensemble du réseau' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    const frLines = await page.getByTestId('kpi-lines').textContent();

    await page.getByRole('button', { name: 'EN' }).click();
    await page.getByRole('heading', { level: 1, name: 'Network overview' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.getByTestId('demo-banner').textContent()).toContain('DEMO');
    expect(await page.getByTestId('user-role').textContent()).toBe('Head office — administrator');
    expect(await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Entities' }).isVisible()).toBe(true);
    // Numbers follow the language's locale (en-GB groups with a comma).
    const lines = count('order_lines');
    expect(await page.getByTestId('kpi-lines').textContent()).toBe(new Intl.NumberFormat('en-GB').format(lines));
    if (lines >= 1000) expect(await page.getByTestId('kpi-lines').textContent()).not.toBe(frLines);
    expect(await page.evaluate(() => localStorage.getItem('ventil.lang'))).toBe('en');
    await app.screenshot('overview-en');

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Network overview' }).waitFor();
    await page.getByRole('button', { name: 'FR' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vue d’ensemble du réseau' }).waitFor();
    expect(app.pageErrors).toEqual([]);
  });
});
