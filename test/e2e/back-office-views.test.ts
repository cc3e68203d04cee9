// The back office's head-office views of issue 15, in Chromium against `ventil serve` on the demo:
// an administrator creates a user and disables it, and verifies the audit chain; finance reads
// its money figures, downloads an invoice, and closes a month after sending its invoices; a store
// manager sees its unread requests counted in the navigation. Each view is photographed in French
// and in English (docs/screenshots/<view>.png and <view>-en.png).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshotInEnglish, startApp, until, type App } from './harness';

const FINANCE = { login: 'finance', password: 'demo-finance-2026' };
const STORE = { login: 'store', password: 'demo-store-2026' };

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

/** Photographs the current view in French, then in English (the harness switches back). */
async function bothLanguages(name: string, english: string, french: string) {
  await app.screenshot(name);
  await screenshotInEnglish(app, name, english, french);
}

async function saved(download: Promise<import('playwright-core').Download>, name: string): Promise<{ file: string; text: string }> {
  const d = await download;
  const path = join(tmpdir(), `${process.pid}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  expect(d.suggestedFilename()).toMatch(new RegExp(name));
  return { file: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

describe('head office views', () => {
  test('an administrator creates a store manager, then disables the account', async () => {
    const { page } = app;
    await app.open('/users');
    const table = page.getByTestId('users-table');
    await table.locator('.dt-body .dt-row').first().waitFor();
    await page.getByRole('button', { name: 'Nouvel utilisateur' }).click();
    const drawer = page.getByTestId('user-drawer');
    await drawer.getByLabel('Nom').fill('Nina Nouvelle');
    await drawer.getByLabel('Identifiant').fill('nina');
    await drawer.getByLabel('Mot de passe initial').fill('premier mot de passe 2026');
    await drawer.locator('fieldset[data-field="entities"] input[type="checkbox"]').first().check();
    await drawer.getByRole('button', { name: 'Créer l’utilisateur' }).click();
    await page.getByRole('status').filter({ hasText: 'Utilisateur nina créé.' }).waitFor();
    const users = await app.api<{ login: string; role: string; entities: string[]; disabled: boolean; must_change_password: boolean }[]>('users.list', {});
    if (!users.ok) throw new Error(users.error.message);
    const nina = users.value.find((u) => u.login === 'nina');
    expect(nina).toMatchObject({ role: 'store_manager', disabled: false, must_change_password: true });
    expect(nina!.entities).toHaveLength(1);
    await table.locator('.dt-row', { hasText: 'Nina Nouvelle' }).waitFor();
    await bothLanguages('users', 'The accounts, their role and scope', 'Les comptes, leur rôle et leur périmètre');

    await page.getByRole('button', { name: 'Désactiver…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Désactiver' }).click();
    await page.getByRole('status').filter({ hasText: 'Utilisateur nina désactivé.' }).waitFor();
    const after = await app.api<{ login: string; disabled: boolean }[]>('users.list', {});
    expect(after.ok && after.value.find((u) => u.login === 'nina')?.disabled).toBe(true);
  });

  test('an administrator verifies the audit chain and exports the trail', async () => {
    const { page } = app;
    await app.open('/audit');
    await page.getByTestId('audit-table').locator('.dt-body .dt-row').first().waitFor();
    await page.getByRole('button', { name: 'Vérifier la chaîne' }).click();
    await until(async () => (await page.getByTestId('audit-verdict').count()) > 0, 'the chain check');
    expect(await page.getByTestId('audit-verdict').textContent()).toContain('Chaîne intacte');
    const verify = await app.api<{ ok: boolean; rows: number; head: string }>('audit.verify', {});
    if (!verify.ok) throw new Error(verify.error.message);
    // The head shown is the chain's (no change was written since: reads are not audited).
    expect(await page.getByTestId('audit-head').textContent()).toBe(verify.value.head);
    expect(Number((await page.getByTestId('audit-rows').textContent())!.replace(/\D/g, ''))).toBe(verify.value.rows);
    // Searching by operation keeps only the user administration of the previous test.
    await page.getByLabel('Opération').fill('users');
    await page.getByRole('button', { name: 'Rechercher' }).click();
    await until(async () => (await page.getByTestId('audit-total').textContent())?.includes('sur 2') ?? false, 'the users.* rows');
    await page.getByTestId('audit-table').locator('.dt-body .dt-row').first().click();
    await page.getByTestId('audit-drawer').getByText('users.disable').waitFor();
    const csv = await saved(Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter (CSV)' }).click()]).then(([d]) => d), '^ventil-audit-\\d{8}\\.csv$');
    expect(csv.text.split('\n')[0]).toContain('seq,at,actor_id');
    await bothLanguages('audit', 'Every change and every refusal', 'Chaque modification et chaque refus');
  });

  test('finance lands on its money figures, each opening its view', async () => {
    const { page } = app;
    await app.signInAs(FINANCE);
    await app.open();
    await page.getByTestId('view-finance-home').waitFor();
    const summary = await app.api<{ currencies: { currency: string; escrow_held: number; payouts_due_count: number }[]; anomalies: { total: number } }>('finance.summary', {});
    if (!summary.ok) throw new Error(summary.error.message);
    const eur = summary.value.currencies.find((c) => c.currency === 'EUR')!;
    expect(eur.payouts_due_count).toBeGreaterThan(0);
    expect(await page.getByTestId('figure-escrow').textContent()).toMatch(/€/);
    expect(await page.getByTestId('figure-anomalies').textContent()).toContain(String(summary.value.anomalies.total));
    await bothLanguages('finance-home', 'The network\'s money at a glance', 'L’argent du réseau en un coup d’œil');
    await page.getByTestId('figure-released').click();
    await page.getByTestId('view-release').waitFor();
  });

  test('finance opens an invoice and downloads it', async () => {
    const { page } = app;
    await app.open('/invoices');
    const table = page.getByTestId('invoices-table');
    await table.locator('.dt-body .dt-row').first().waitFor();
    await table.locator('.dt-body .dt-row').first().click();
    const drawer = page.getByTestId('invoice-drawer');
    await drawer.getByTestId('invoice-lines').locator('tbody tr').first().waitFor();
    const html = await saved(Promise.all([page.waitForEvent('download'), drawer.getByRole('button', { name: 'Télécharger (HTML à imprimer)' }).click()]).then(([d]) => d), '^(FAC|AV)-.*\\.html$');
    expect(html.text).toMatch(/^<!doctype html>/i);
    const annex = await saved(Promise.all([page.waitForEvent('download'), drawer.getByRole('button', { name: 'Annexe des commandes (CSV)' }).click()]).then(([d]) => d), '_annexe\\.csv$');
    expect(annex.text.split('\n').length).toBeGreaterThan(1);
    await bothLanguages('invoices', 'Commission, royalty and logistics invoices', 'Factures et avoirs de commissions');
  });

  test('finance closes a month once its invoices are sent', async () => {
    const { page } = app;
    await app.open('/closing');
    const checks = page.getByTestId('closing-checks');
    await checks.getByTestId('closing-verdict').waitFor();
    await page.getByTestId('closing-periods').locator('button[data-period="2026-09"]').click();
    await checks.getByRole('heading', { name: /HQ 2026-09/ }).waitFor();
    await checks.locator('[data-code="invoice_not_sent"]').first().waitFor();
    await bothLanguages('closing', 'Checks before closing', 'Contrôles avant clôture');
    await checks.getByRole('button', { name: 'Envoyer les factures de la période' }).click();
    await checks.getByText('Tous les contrôles sont passés').waitFor();
    await checks.getByRole('button', { name: 'Clôturer 2026-09…' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Clôturer définitivement' }).click();
    await checks.getByText(/Clôturé le/).waitFor();
    const periods = await app.api<{ years: { months: { name: string; closed: boolean }[] }[] }>('journal.periods.list', { entity: 'HQ' });
    expect(periods.ok && periods.value.years.flatMap((y) => y.months).find((m) => m.name === '2026-09')?.closed).toBe(true);
  });

  test('a store manager sees its unread requests counted in the navigation, with each deadline\'s countdown and value', async () => {
    const { page } = app;
    await app.signInAs(STORE);
    await app.open('/inbox');
    const count = page.getByTestId('inbox-unread');
    await count.waitFor();
    const before = Number(await count.textContent());
    expect(before).toBeGreaterThan(0);
    const table = page.getByTestId('inbox-table');
    await table.locator('.dt-body .dt-row').first().waitFor();
    expect(await table.locator('.dt-body .dt-row').first().textContent()).toMatch(/reste .*min.*€/);
    await table.locator('.dt-body .dt-row').first().click();
    await until(async () => (await count.count()) === 0 || Number(await count.textContent()) === before - 1, 'one request fewer unread');
    // "Other" needs a note: the refusal is not sent without one.
    const drawer = page.getByTestId('inbox-drawer');
    await drawer.getByRole('button', { name: 'Refuser' }).click();
    await drawer.getByLabel('Motif').selectOption('other');
    await drawer.getByRole('button', { name: 'Confirmer le refus' }).click();
    await drawer.getByText('Obligatoire pour « Autre »').waitFor();
    expect(await drawer.getByLabel('Commentaire').getAttribute('aria-invalid')).toBe('true');
    expect(app.pageErrors).toEqual([]);
  });
});
