// Orders, their explanation, and the dashboards, on the demo database, for head office, a
// store manager and a regional controller: what each sees matches what the API gives them.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

const nb = (s: string | null) => (s ?? '').replace(/[\u202f\u00a0]/g, ' ');
const eur = (minor: number) => nb(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(`${(minor / 100).toFixed(2)}` as `${number}`));
const count = async (testId: string) => Number(nb(await app.page.getByTestId(testId).locator('.dt-count').textContent()).match(/sur ([\d ]+) lignes/)?.[1]?.replace(/ /g, ''));

describe('orders and dashboards', () => {
  test('lists every order, filters by entity with its payout, and explains an amount', async () => {
    const { page } = app;
    const all = await app.api<{ total: number }>('orders.list', { limit: 1 });
    if (!all.ok) throw new Error(all.error.message);
    await app.open('/orders');
    const table = page.getByRole('table', { name: 'Commandes' });
    await until(async () => (await count('orders-table')) === all.value.total, 'all orders loaded');
    await app.screenshot('orders');

    // One entity: only its orders, with its payout on each.
    const f = await app.api<{ total: number; rows: { id: string; amount: number; currency: string }[] }>('orders.list', { entity: 'F006', limit: 200000 });
    if (!f.ok) throw new Error(f.error.message);
    await page.getByLabel('Entité').selectOption('F006');
    await until(async () => (await count('orders-table')) === f.value.total, 'the entity’s orders');
    expect(f.value.total).toBeLessThan(all.value.total);
    const header = table.getByRole('columnheader', { name: /Versement/ });
    expect(await header.textContent()).toContain('Versement');
    const first = f.value.rows[0]!;
    const row = table.locator(`[data-key="${first.id}"]`);
    expect(nb(await row.locator('[role="cell"]').nth(7).textContent())).toBe(eur(first.amount));

    // The order, its legs, and why F006 gets its amount.
    await row.click();
    await page.getByRole('heading', { level: 1, name: `Commande ${first.id}` }).waitFor();
    const detail = await app.api<{ payouts: Record<string, number>; lines: unknown[] }>('orders.get', { id: first.id });
    if (!detail.ok) throw new Error(detail.error.message);
    // The heading shows before the lines arrive: wait for them rather than count once.
    const lineRows = page.getByRole('table', { name: 'Lignes' }).locator('tbody tr');
    await until(async () => (await lineRows.count()) === detail.value.lines.length, 'the order lines');
    expect(await lineRows.count()).toBe(detail.value.lines.length);
    await page.getByRole('button', { name: /Expliquer le versement de/ }).and(page.locator('[aria-label*="F006"], [aria-label]')).first().waitFor();
    await page.locator('tr[data-entity="F006"]').getByRole('button', { name: 'Expliquer' }).click();
    const explanation = page.getByTestId('explanation');
    await explanation.getByTestId('explain-payout').waitFor();
    expect(nb(await explanation.getByTestId('explain-payout').textContent())).toBe(eur(detail.value.payouts.F006!));
    expect(await explanation.locator('.formula').first().textContent()).toMatch(/gross|VAT|round/);
    await explanation.locator('.explain-line').first().scrollIntoViewIfNeeded();
    await app.screenshot('order-explanation');
    expect(app.pageErrors).toEqual([]);
  });

  test('a store manager lands on the dashboard of their store and sees only their orders', async () => {
    const { page } = app;
    await app.open();
    await app.signInAs({ login: 'store', password: 'demo-store-2026' });
    await page.getByRole('heading', { level: 1, name: /^Tableau de bord — / }).waitFor();
    expect(page.url()).toMatch(/#\/dashboard$/);
    const me = await app.api<{ me: { user: { entities: string[] } } }>('auth.status');
    if (!me.ok) throw new Error(me.error.message);
    const entity = me.value.me.user.entities[0]!;
    type Parts = { owned: number; earned: number; paid: number; fees: number };
    const dash = await app.api<{ currencies: { payout: number; parts: Parts; escrow: { held: number } }[] }>('dashboard.entity', { entity });
    if (!dash.ok) throw new Error(dash.error.message);
    const eurBlock = dash.value.currencies[0]!;
    await page.locator('[data-kpi="payout"] dd').first().waitFor();
    expect(nb(await page.locator('[data-kpi="payout"] dd').first().textContent())).toBe(eur(eurBlock.payout));
    // The cards above the payout are its parts, VAT included, and the sum line says so.
    const p = eurBlock.parts;
    expect(p.owned + p.earned + p.paid + p.fees).toBe(eurBlock.payout);
    expect(p.earned).toBeGreaterThan(0);
    expect(p.paid).toBeLessThan(0);
    const card = async (k: string) => nb(await page.locator(`[data-kpi="${k}"] dd`).first().textContent());
    expect([await card('sales'), await card('earned'), await card('paid'), await card('fees')]).toEqual([eur(p.owned), eur(p.earned), eur(p.paid), eur(p.fees)]);
    const op = (v: number) => `${v < 0 ? '−' : '+'} ${eur(Math.abs(v))}`;
    expect(nb(await page.getByTestId('dashboard-sum').textContent()))
      .toBe(`Ventes ${eur(p.owned)} ${op(p.earned)} reçues ${op(p.paid)} versées ${op(p.fees)} frais PSP = versement ${eur(eurBlock.payout)}`);
    expect(nb(await page.locator('[data-kpi="held"] dd').first().textContent())).toBe(eur(eurBlock.escrow.held));
    await page.locator('.recharts-line').first().waitFor();
    await app.screenshot('store-dashboard');

    const nav = await page.locator('.sidebar a[data-nav]').evaluateAll((as) => as.map((a) => a.getAttribute('data-nav')));
    expect(nav).toEqual(['overview', 'dashboard', 'inbox', 'orders', 'payouts', 'escrow', 'books', 'invoices']);
    const mine = await app.api<{ total: number }>('orders.list', { entity, limit: 1 });
    if (!mine.ok) throw new Error(mine.error.message);
    await page.getByRole('link', { name: 'Commandes' }).click();
    await until(async () => (await count('orders-table').catch(() => NaN)) === mine.value.total, 'the store’s orders');
    // A store manager cannot pick the whole network.
    expect(await page.getByLabel('Entité').locator('option').count()).toBe(1);
    await app.screenshot('store-orders');
  });

  test('a regional controller sees the entities of the region', async () => {
    const { page } = app;
    await app.signInAs({ login: 'controller', password: 'demo-controller-2026' });
    await page.getByRole('heading', { level: 1, name: 'Vue régionale' }).waitFor();
    const me = await app.api<{ me: { scope: { entities: string[] } } }>('auth.status');
    if (!me.ok) throw new Error(me.error.message);
    const scope = me.value.me.scope.entities;
    expect(scope.length).toBeGreaterThan(0);
    await until(async () => (await count('region-table').catch(() => NaN)) === scope.length, 'one row per entity in scope');
    const keys = await page.getByTestId('region-table').locator('[data-key]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key')!.split('|')[0]));
    expect(keys.sort()).toEqual([...scope].sort());
    await page.locator('.recharts-bar-rectangle').first().waitFor();
    await app.screenshot('region-overview');
    await app.signInAs({ login: 'admin', password: 'demo-admin-2026' });
  });
});
