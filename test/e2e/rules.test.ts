// Commission rules: the list of versions, a new rule refused with its error on the leg's field,
// the simulation of a draft, publication, a new version that supersedes the old one, and
// retirement. Rule changes never touch computed allocations (checked through the API).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { screenshotInEnglish, startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

const count = async (testId: string) => Number((await app.page.getByTestId(testId).locator('.dt-count').textContent())!.replace(/[\u202f\u00a0]/g, ' ').match(/sur ([\d ]+) lignes/)?.[1]?.replace(/ /g, ''));

describe('commission rules', () => {
  test('lists the versions, refuses a bad leg on its field, simulates and publishes a rule', async () => {
    const { page } = app;
    const before = await app.api<{ rules: { id: string; version: number }[] }>('rules.list');
    if (!before.ok) throw new Error(before.error.message);
    await app.open('/rules');
    await until(async () => (await count('rules-table')) === before.value.rules.length, 'every rule version');
    await app.screenshot('rules');

    await page.getByRole('button', { name: 'Nouvelle règle' }).click();
    const form = page.getByRole('form', { name: 'Nouvelle règle' });
    await form.getByLabel('Règle', { exact: true }).fill('PHONE-BONUS');
    await form.getByLabel('Groupe', { exact: true }).fill('bonus');
    await form.getByLabel('Libellé').fill('Prime aux ventes par téléphone');
    await form.locator('.check-pill', { hasText: 'Téléphone' }).locator('input').check();
    await form.getByLabel('Bénéficiaire 1').selectOption('catchment');
    await form.getByLabel('Taux (%) 1').fill('150'); // above 100 %
    await form.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    const rate = form.getByLabel('Taux (%) 1');
    await until(async () => (await rate.getAttribute('aria-invalid')) === 'true', 'the leg rate to be refused');
    expect(await form.locator('[data-field="legs[0].rate"] .field-error').textContent()).toContain('Pourcentage entre 0 et 100');
    await app.screenshot('rule-editor-error');

    // Simulate the corrected draft on the demo's orders: the catchment entities gain.
    await rate.fill('2');
    await form.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    await page.getByTestId('draft-compare').waitFor();
    expect((await page.getByTestId('draft-compare').locator('[data-field="legs[0]"]').textContent())!.replace(/[\u202f\u00a0]/g, ' ')).toContain('2 %');
    const sim = page.getByTestId('simulation');
    await sim.getByLabel('Du').fill('2020-01-01');
    await sim.getByRole('button', { name: 'Simuler' }).click();
    await sim.getByTestId('sim-summary').waitFor();
    const summary = (await sim.getByTestId('sim-summary').textContent())!.replace(/[\u202f\u00a0]/g, ' ');
    const changed = Number(/(\d+) commandes? change/.exec(summary)?.[1]);
    expect(changed).toBeGreaterThan(0);
    expect(await sim.locator('td .pos').count()).toBeGreaterThan(0);
    await sim.scrollIntoViewIfNeeded();
    await app.screenshot('rule-simulation');

    const payoutBefore = await app.api<{ rows: { id: string; amount: number }[] }>('orders.list', { entity: 'F001', limit: 5 });
    // Publish after a confirmation, from now.
    await page.getByTestId('draft-publish').getByRole('button', { name: 'Publier…' }).click();
    await page.getByTestId('draft-publish').getByRole('button', { name: 'Confirmer la publication' }).click();
    await page.getByRole('heading', { name: 'Règle PHONE-BONUS' }).waitFor();
    expect(page.url()).toMatch(/#\/rules\/PHONE-BONUS$/);
    const drawer = page.getByTestId('rule-drawer');
    expect(await drawer.locator('[data-version="1"] .badge').textContent()).toBe('En vigueur');
    expect(await drawer.locator('[data-version="1"] [data-testid="published"]').textContent()).toContain('publiée par Alice Admin');
    // Publishing changed no computed allocation.
    const payoutAfter = await app.api<{ rows: { id: string; amount: number }[] }>('orders.list', { entity: 'F001', limit: 5 });
    expect(payoutAfter).toEqual(payoutBefore);

    // A new version supersedes version 1 from now on.
    await drawer.getByRole('button', { name: 'Nouvelle version' }).click();
    const v2 = page.getByRole('form', { name: 'Règle PHONE-BONUS — version 2' });
    expect(await v2.getByLabel('Règle', { exact: true }).isDisabled()).toBe(true);
    expect(await v2.getByLabel('Taux (%) 1').inputValue()).toBe('2');
    await v2.getByLabel('Taux (%) 1').fill('3');
    await v2.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
    const compare = page.getByTestId('draft-compare');
    await compare.locator('[data-field="legs[0].rate"]').waitFor();
    expect((await compare.locator('[data-field="legs[0].rate"]').textContent())!.replace(/[\u202f\u00a0]/g, ' ')).toMatch(/2 %.*3 %/);
    await page.getByTestId('draft-publish').scrollIntoViewIfNeeded();
    await app.screenshot('rule-draft-compare');
    await screenshotInEnglish(app, 'rule-draft-compare', 'What the draft changes compared with version', 'Ce que le brouillon change');
    await page.getByTestId('draft-publish').getByRole('button', { name: 'Publier…' }).click();
    await page.getByTestId('draft-publish').getByRole('button', { name: 'Confirmer la publication' }).click();
    await page.getByRole('heading', { name: 'Règle PHONE-BONUS' }).waitFor();
    await drawer.locator('[data-version="2"]').waitFor();
    expect(await drawer.locator('[data-version="2"] .badge').textContent()).toBe('En vigueur');
    await until(async () => (await drawer.locator('[data-version="1"] .badge').textContent()) === 'Remplacée', 'version 1 to be superseded');
    await app.screenshot('rule-versions');

    // Retire it.
    await drawer.getByRole('button', { name: 'Retirer' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Retirer' }).click();
    await page.getByRole('status').filter({ hasText: 'Règle PHONE-BONUS retirée' }).waitFor();
    const after = await app.api<{ rules: { id: string; version: number; status: string; valid_to: string | null }[] }>('rules.list', { id: 'PHONE-BONUS' });
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.rules.map((r) => [r.version, r.status])).toEqual([[1, 'active'], [2, 'retired']]);
    expect(after.value.rules.every((r) => r.valid_to !== null)).toBe(true);
    expect(app.pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });

  test('an auditor reads the rules but cannot change them', async () => {
    const { page } = app;
    await app.open('/rules');
    await app.signInAs({ login: 'auditor', password: 'demo-auditor-2026' });
    await page.evaluate(() => { window.location.hash = '/rules'; });
    await page.getByRole('heading', { level: 1, name: 'Règles de commission' }).waitFor();
    expect(await page.getByRole('button', { name: 'Nouvelle règle' }).count()).toBe(0);
    await page.getByTestId('rules-table').locator('[data-key^="ROYALTY@"]').first().click();
    await page.getByTestId('rule-drawer').waitFor();
    expect(await page.getByTestId('rule-drawer').getByRole('button', { name: 'Nouvelle version' }).count()).toBe(0);
    await app.signInAs({ login: 'admin', password: 'demo-admin-2026' });
  });
});
