// What the review of the back office found (issue 15, "Fix what the review found"), each checked
// in the browser on the demo database: offline told truthfully and recovered from by itself,
// explanations in the user's language, the same amounts in a store's list and detail, anomalies
// in words, rates as percentages, tables that keep their important columns, the run token, and
// keyboard focus.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_ADMIN, startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

const API = '**/api/**';
const nb = (s: string | null) => (s ?? '').replace(/[\u202f\u00a0]/g, ' ');
const eur = (minor: number) => nb(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(`${(minor / 100).toFixed(2)}` as `${number}`));

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

describe('run token', () => {
  test('a missing or wrong run token says which address to open, with no useless retry', async () => {
    for (const suffix of ['', '#token=not-this-run']) {
      // A new tab: no token or session kept from the other tests.
      const tab = await app.context.newPage();
      try {
        await tab.goto(`${app.url}/${suffix}`);
        const help = tab.getByTestId('token-help');
        await help.waitFor();
        expect(await help.textContent()).toMatch(/Ouvrez l’adresse complète, avec « #token=… », que « ventil serve »/);
        expect(await tab.getByRole('heading', { level: 1 }).textContent()).toBe('Ouvrez l’adresse affichée par la commande');
        expect(await tab.getByRole('button', { name: 'Réessayer' }).count()).toBe(0);
      } finally {
        await tab.close();
      }
    }
  });
});

/** WCAG relative luminance contrast of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c.match(/[\d.]+/g)!.slice(0, 3).map((v) => {
      const s = Number(v) / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('keyboard', () => {
  test('the sidebar focus ring stands out (3:1 or more) and choosing a view moves focus to its heading', async () => {
    const { page } = app;
    await app.open('/overview');
    await page.getByTestId('view-overview').waitFor();
    await page.keyboard.press('Tab');
    const link = page.locator('nav.sidebar a[data-nav="escrow"]');
    await link.focus();
    const colours = await link.evaluate((el) => ({
      visible: el.matches(':focus-visible'),
      ring: getComputedStyle(el).outlineColor,
      style: getComputedStyle(el).outlineStyle,
      bg: getComputedStyle(el.closest('nav')!).backgroundColor,
    }));
    expect(colours.visible).toBe(true);
    expect(colours.style).toBe('solid');
    expect(contrast(colours.ring, colours.bg)).toBeGreaterThanOrEqual(3);

    await page.keyboard.press('Enter');
    await page.getByTestId('view-escrow').waitFor();
    await until(async () => (await page.evaluate(() => document.activeElement?.id)) === 'page-title', 'focus on the heading');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Séquestre');
  });
});

describe('forms and rates', () => {
  test('settings show the VAT rate as a percentage, and a refused save lists each field to fix once', async () => {
    const { page } = app;
    await app.open('/registry/settings');
    const form = page.getByRole('form', { name: 'Paramètres du réseau' });
    const vat = form.getByLabel('Taux de TVA sur commissions (%)');
    await until(async () => (await vat.inputValue()) !== '', 'the settings');
    expect(await vat.inputValue()).toBe('20');
    await vat.fill('abc');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    const list = form.getByTestId('form-error-list');
    await list.waitFor();
    const items = await list.locator('li').allTextContents();
    expect(items).toEqual(['Taux de TVA sur commissions (%) — Pourcentage entre 0 et 100, par exemple 5 ou 2,5.']);
    expect(await page.getByRole('alert').count()).toBe(1);
  });
});

describe('anomalies', () => {
  test('labels and sentences are in French with money formatted; released-but-not-transferred money is counted', async () => {
    const { page } = app;
    const api = await app.api<{ anomalies: { kind: string }[]; counts: Record<string, number> }>('anomalies.list');
    if (!api.ok) throw new Error(api.error.message);
    const released = api.value.counts.released_not_transferred ?? 0;
    expect(released).toBeGreaterThan(0);
    await app.open('/anomalies');
    const chip = page.locator('.kind-chip[data-kind="released_not_transferred"]');
    await chip.waitFor();
    expect((await chip.innerText()).replace(/\s+/g, ' ').trim()).toBe(`Libéré non viré ${released}`);
    const table = page.getByTestId('anomalies-table');
    await until(async () => (await table.locator('.dt-body [role="row"]').count()) === api.value.anomalies.length, 'every anomaly listed');
    await chip.click();
    const first = table.locator('.dt-body [role="row"]').first();
    expect(nb(await first.innerText())).toMatch(/Libéré non viré[\s\S]*a [\d ]+,\d\d € libérés/);
    // No raw kind code and no English sentence anywhere in the view.
    const text = await page.getByTestId('view-anomalies').innerText();
    expect(text).not.toMatch(/\b[a-z]+_[a-z_]+\b/);
    expect(text).not.toMatch(/ has \d+ EUR| released but/);
  });
});

const STORE = { login: 'store', password: 'demo-store-2026' };

describe('a store’s orders', () => {
  test('the detail shows the list’s amounts, every order explains its payout, in French with formatted money', async () => {
    const { page } = app;
    const admin = app.user;
    await app.open();
    await app.signInAs(STORE);
    try {
      const list = await app.api<{ rows: { id: string; captured: number; psp_fees: number; amount: number }[] }>('orders.list', { entity: 'F001', limit: 1000 });
      if (!list.ok) throw new Error(list.error.message);
      const rows = list.value.rows;
      // Every order of the list has its amounts and a payout to explain (none only "—").
      for (const r of rows) {
        const d = await app.api<{ captured: number | null; psp_fees: number | null; payouts: Record<string, number> }>('orders.get', { id: r.id });
        if (!d.ok) throw new Error(d.error.message);
        expect([r.id, d.value.captured, d.value.psp_fees, d.value.payouts.F001]).toEqual([r.id, r.captured, r.psp_fees, r.amount]);
      }

      // An order with a payout: the same captured and fee as the list, and the explanation in words.
      const paid = rows.find((r) => r.amount > 0)!;
      await app.open(`/orders/${paid.id}`);
      await page.getByRole('heading', { level: 1, name: `Commande ${paid.id}` }).waitFor();
      await until(async () => nb(await page.getByTestId('order-captured').textContent()) === eur(paid.captured), 'the captured amount');
      await page.locator('tr[data-entity="F001"]').getByRole('button', { name: 'Expliquer' }).click();
      const explanation = page.getByTestId('explanation');
      await explanation.getByTestId('explain-payout').waitFor();
      expect(nb(await explanation.getByTestId('explain-payout').textContent())).toBe(eur(paid.amount));
      const formulas = (await explanation.locator('.formula').allTextContents()).map(nb);
      expect(formulas[0]).toMatch(/^TVA = round\([\d ]+,\d\d € × 20 % \/ 1,20\) = [\d ]+,\d\d € ; HT = [\d ]+,\d\d €$/);
      for (const f of formulas) {
        expect(f).toMatch(/€/);
        expect(f).not.toMatch(/\b(gross|VAT|base|reversed|spread|borne)\b/);
      }

      // An order the store takes part in without a share (a request refused or rerouted): its
      // amounts and an explanation of its zero payout, not "—".
      const none = rows.find((r) => r.amount === 0);
      if (none) {
        await app.open(`/orders/${none.id}`);
        await until(async () => nb(await page.getByTestId('order-captured').textContent()) === eur(none.captured), 'the captured amount');
        await page.locator('tr[data-entity="F001"]').getByRole('button', { name: 'Expliquer' }).click();
        expect(await page.getByTestId('explain-no-share').textContent()).toContain('Lyon Commerce SARL n’a aucune part sur cette commande');
      }
    } finally {
      await app.signInAs(admin ?? DEMO_ADMIN);
    }
  });
});

describe('tables', () => {
  /** Headers whose text does not fit their cell. */
  const cutHeaders = (testId: string) => app.page.getByTestId(testId).locator('.dt-th button').evaluateAll((els) => els.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent));

  test('at 1024 px the orders keep their important columns in view, headers are whole, group names translated', async () => {
    const { page } = app;
    await page.setViewportSize({ width: 1024, height: 768 });
    try {
      await app.open('/orders');
      await page.getByLabel('Entité').selectOption('F001');
      const table = page.getByTestId('orders-table');
      await until(async () => (await table.locator('.dt-body [role="row"]').count()) > 0, 'the orders');
      const headers = await table.locator('[role="columnheader"]').allTextContents();
      for (const h of ['Commande', 'Encaissé', 'Frais PSP', 'Statut']) expect(headers).toContain(h);
      expect(headers.some((h) => h.startsWith('Versement'))).toBe(true);
      // Nothing to scroll sideways to: every shown column is in view.
      expect(await table.locator('.dt-scroll').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
      expect(await cutHeaders('orders-table')).toEqual([]);
    } finally {
      await page.setViewportSize({ width: 1366, height: 768 });
    }
    const first = await app.api<{ rows: { id: string }[] }>('orders.list', { entity: 'F001', limit: 1 });
    if (!first.ok) throw new Error(first.error.message);
    await app.open(`/orders/${first.value.rows[0]!.id}`);
    const legs = page.getByRole('table', { name: 'Commissions et redevances' });
    await legs.locator('tbody tr').first().waitFor();
    const groups = await legs.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(['Commission', 'Redevance', 'Logistique', 'Prime']).toContain(g);
  });

  test('the regional view has one column per figure, none cut', async () => {
    const { page } = app;
    await app.open('/region');
    const table = page.getByTestId('region-table');
    await until(async () => (await table.locator('.dt-body [role="row"]').count()) > 0, 'the entities');
    const headers = await table.locator('[role="columnheader"]').allTextContents();
    expect(new Set(headers).size).toBe(headers.length);
    expect(headers).toContain('Commissions reçues TTC');
    expect(await cutHeaders('region-table')).toEqual([]);
  });

  test('the books open on the latest month with entries', async () => {
    const { page } = app;
    await app.open('/books');
    const entity = await page.getByLabel('Entité').inputValue();
    const periods = await app.api<{ last_entry_date: string | null }>('journal.periods.list', { entity });
    if (!periods.ok) throw new Error(periods.error.message);
    expect(periods.value.last_entry_date).not.toBeNull();
    const month = periods.value.last_entry_date!.slice(0, 7);
    await until(async () => (await page.getByLabel('Période').inputValue()) === month, `the period ${month}`);
    await until(async () => (await page.getByTestId('books-table').locator('.dt-body [role="row"]').count()) > 0, 'the month’s entries');
  });
});
