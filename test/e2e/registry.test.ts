// The head-office registry editor on the basic example network (not a demo database): create
// and edit entities, locations, catchments and settings, with the API's validation errors shown
// on the fields they concern.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'basic' }); });
afterAll(async () => { await app?.stop(); });

/** A SIREN with a valid Luhn check digit, from its first eight digits. */
function siren(first8: string): string {
  for (let d = 0; d <= 9; d++) {
    const s = first8 + d;
    const sum = [...s].reverse().reduce((acc, ch, i) => {
      let n = Number(ch);
      if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9; }
      return acc + n;
    }, 0);
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

const rowCount = async (testId: string) => {
  const text = (await app.page.getByTestId(testId).locator('.dt-count').textContent()) ?? '';
  return Number(/sur ([\d\s\u202f\u00a0]+) lignes/.exec(text)?.[1]?.replace(/\D/g, ''));
};

describe('network registry editor', () => {
  test('lists the entities, refuses a bad SIREN on its field, then creates the entity', async () => {
    const { page } = app;
    await app.open('/registry/entities');
    const table = page.getByRole('table', { name: 'Entités' });
    await table.getByRole('row').nth(1).waitFor();
    expect(await page.getByTestId('demo-banner').count()).toBe(0); // not the demo database
    expect(await rowCount('entities-table')).toBe(4);

    await page.getByRole('button', { name: 'Nouvelle entité' }).click();
    const form = page.getByRole('form', { name: 'Nouvelle entité' });
    await form.getByLabel('Identifiant').fill('MARS');
    await form.getByLabel('Raison sociale').fill('Marseille Vieux-Port SAS');
    await form.getByLabel('SIREN').fill('123456789'); // fails the Luhn check
    await form.getByLabel('Région').fill('PACA');
    await form.getByRole('button', { name: 'Créer' }).click();

    const sirenInput = form.getByLabel('SIREN');
    await until(async () => (await sirenInput.getAttribute('aria-invalid')) === 'true', 'the SIREN field to be marked invalid');
    const error = form.locator('[data-field="siren"] .field-error');
    expect(await error.textContent()).toContain('SIREN invalide');
    // The message is tied to the input for screen readers, and focus went to the field.
    const describedBy = (await sirenInput.getAttribute('aria-describedby'))!.split(' ');
    expect(describedBy).toContain(await error.getAttribute('id'));
    await until(() => sirenInput.evaluate((el) => el === document.activeElement), 'focus on the invalid field');
    // Only the SIREN is wrong.
    expect(await form.locator('[aria-invalid="true"]').count()).toBe(1);
    expect(await form.getByRole('alert').textContent()).toContain('Corrigez les champs signalés');
    expect((await app.api<unknown[]>('network.entities.list')).ok && (await app.api<{ id: string }[]>('network.entities.list') as { value: { id: string }[] }).value.some((e) => e.id === 'MARS')).toBe(false);
    await app.screenshot('registry-entity-error');

    const good = siren('73282932');
    await sirenInput.fill(good);
    await form.getByRole('button', { name: 'Créer' }).click();
    await page.getByRole('status').filter({ hasText: 'Entité MARS créée.' }).waitFor();
    await table.locator('[data-key="MARS"]').waitFor();
    expect(await rowCount('entities-table')).toBe(5);
    const list = await app.api<{ id: string; siren: string; region: string | null; kind: string }[]>('network.entities.list');
    expect(list.ok && list.value.find((e) => e.id === 'MARS')).toMatchObject({ siren: good, region: 'PACA', kind: 'franchisee' });
    // The drawer now edits the saved entity; the id can no longer change.
    await page.getByRole('heading', { name: 'Modifier l’entité MARS' }).waitFor();
    expect(await page.getByRole('form', { name: 'Modifier l’entité MARS' }).getByLabel('Identifiant').isDisabled()).toBe(true);
    await app.screenshot('registry-entities');
    expect(app.pageErrors.filter((e) => !e.includes('400'))).toEqual([]);
  });

  test('shows a duplicate id on the id field and edits an existing entity', async () => {
    const { page } = app;
    await app.open('/registry/entities/new');
    const form = page.getByRole('form', { name: 'Nouvelle entité' });
    await form.getByLabel('Identifiant').fill('LYON');
    await form.getByLabel('Raison sociale').fill('Doublon');
    await form.getByLabel('SIREN').fill(siren('12345678'));
    await form.getByRole('button', { name: 'Créer' }).click();
    await form.locator('[data-field="id"] .field-error').filter({ hasText: 'déjà utilisé' }).waitFor();

    // Row click opens the record; a change is saved and shown in the list.
    await page.getByRole('table', { name: 'Entités' }).locator('[data-key="LYON"]').click();
    const edit = page.getByRole('form', { name: 'Modifier l’entité LYON' });
    await edit.getByLabel('Code ERP').fill('2199');
    await edit.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Entité LYON enregistrée.' }).waitFor();
    await page.getByRole('table', { name: 'Entités' }).locator('[data-key="LYON"]').filter({ hasText: '2199' }).waitFor();
  });

  test('creates a location owned by one entity and operated by another', async () => {
    const { page } = app;
    await app.open('/registry/locations/new');
    const form = page.getByRole('form', { name: 'Nouveau site' });
    await form.getByLabel('Identifiant').fill('ST-MARS');
    await form.getByLabel('Propriétaire du stock').selectOption('MARS');
    await form.getByLabel('Exploitant').selectOption('HQ');
    await form.getByLabel('Code postal').fill('13001');
    await form.getByLabel('Expédie').uncheck();
    await form.getByRole('button', { name: 'Créer' }).click();
    await page.getByRole('status').filter({ hasText: 'Site ST-MARS créé.' }).waitFor();
    const row = page.getByRole('table', { name: 'Sites' }).locator('[data-key="ST-MARS"]');
    expect(await row.textContent()).toContain('Marseille Vieux-Port SAS');
    const saved = await app.api<{ id: string; entity: string; operator: string; ship: boolean; collect: boolean }[]>('network.locations.list');
    expect(saved.ok && saved.value.find((l) => l.id === 'ST-MARS')).toEqual({ id: 'ST-MARS', entity: 'MARS', operator: 'HQ', kind: 'store', postcode: '13001', ship: false, collect: true });
    await app.screenshot('registry-locations');
  });

  test('saves a catchment, refuses a malformed prefix, and deletes after confirmation', async () => {
    const { page } = app;
    await app.open('/registry/catchments/new');
    let form = page.getByRole('form', { name: 'Zones de chalandise' });
    await form.getByLabel('Préfixe de code postal').fill('13-0');
    await form.getByLabel('Site').selectOption('ST-MARS');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await form.locator('[data-field="postcode_prefix"] .field-error').filter({ hasText: 'Chiffres ou lettres' }).waitFor();
    await form.getByLabel('Préfixe de code postal').fill('130');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Zone 130 enregistrée.' }).waitFor();
    const table = page.getByRole('table', { name: 'Zones de chalandise' });
    expect(await table.locator('[data-key="130"]').textContent()).toContain('Marseille Vieux-Port SAS');
    await app.screenshot('registry-catchments');

    form = page.getByRole('form', { name: 'Zones de chalandise' });
    await form.getByRole('button', { name: 'Supprimer' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Supprimer' }).click();
    await page.getByRole('status').filter({ hasText: 'Zone 130 supprimée.' }).waitFor();
    await until(async () => (await table.locator('[data-key="130"]').count()) === 0, 'the deleted row to go');
    const list = await app.api<{ postcode_prefix: string }[]>('network.catchments.list');
    expect(list.ok && list.value.map((c) => c.postcode_prefix).sort()).toEqual(['59', '6900', '691']);
  });

  test('edits the settings, with errors on the rows of the exchange-rate table', async () => {
    const { page } = app;
    await app.open('/registry/settings');
    const form = page.getByRole('form', { name: 'Paramètres du réseau' });
    await form.getByLabel('Délai de rétractation (jours)').fill('30');
    await form.getByRole('button', { name: 'Ajouter un taux' }).click();
    await form.getByLabel('Date 1').fill('2026-01-31');
    await form.getByLabel('De 1').fill('chf');
    await form.getByLabel('Taux 1').fill('abc');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    const rate = form.getByLabel('Taux 1');
    await until(async () => (await rate.getAttribute('aria-invalid')) === 'true', 'the rate of row 1 to be marked invalid');
    expect(await form.locator('[data-field="fx_rates[0].rate"] .field-error').textContent()).toContain('Taux décimal positif');
    expect(await form.getByLabel('Date 1').getAttribute('aria-invalid')).toBeNull();
    await app.screenshot('registry-settings-error');

    await rate.fill('0,9412'); // a decimal comma is accepted and sent as a point
    await form.getByRole('button', { name: 'Monter Zone de chalandise' }).click();
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Paramètres enregistrés.' }).waitFor();
    const s = await app.api<Record<string, unknown>>('network.settings.get');
    expect(s.ok && s.value).toMatchObject({
      return_window_days: 30,
      web_attribution: ['catchment', 'pickup', 'platform'],
      fx_rates: [{ date: '2026-01-31', from: 'CHF', to: 'EUR', rate: '0.9412' }],
    });
    await app.screenshot('registry-settings');
  });
});
