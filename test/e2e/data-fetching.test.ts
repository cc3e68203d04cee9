// How views read the API (renderer/src/use-api.ts, TanStack Query): a list that several parts of
// the screen show is asked for once, and a change has what is on screen read again. The test
// counts the requests the page sends to `POST /api/<operation>`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApp, until, type App } from './harness';

let app: App;
/** Operation names of the API requests the page sent, in order. */
const sent: string[] = [];
const count = (op: string) => sent.filter((n) => n === op).length;

beforeAll(async () => {
  app = await startApp({ seed: 'demo' });
  app.page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.method() === 'POST' && path.startsWith('/api/')) sent.push(decodeURIComponent(path.slice('/api/'.length)));
  });
});
afterAll(async () => { await app?.stop(); });

describe('data fetching', () => {
  test('the entity list is asked for once, though the overview, the rule editor and its simulation all show it', async () => {
    const { page } = app;
    await app.open();
    await page.getByTestId('view-overview').waitFor();
    await page.evaluate(() => { window.location.hash = '/rules/new'; });
    await page.getByTestId('view-rule-editor').waitFor();
    await page.getByTestId('simulation').waitFor();
    await page.waitForLoadState('networkidle');
    // The editor and the simulation each use the entity list (names for the leg ends); before
    // the shared cache each asked for it, and the overview before them.
    expect(count('network.entities.list')).toBe(1);
    // The header's sync indicator and nothing else read the sync state: once.
    expect(count('sync.status')).toBe(1);
    expect(count('network.summary')).toBe(1);
  });

  test('a change has the lists on screen read again', async () => {
    const { page } = app;
    await app.open('/registry/settings');
    const form = page.getByRole('form', { name: 'Paramètres du réseau' });
    await form.getByLabel('Délai de rétractation (jours)').waitFor();
    await page.waitForLoadState('networkidle');
    const before = { settings: count('network.settings.get'), summary: count('network.summary') };
    await form.getByLabel('Délai de rétractation (jours)').fill('21');
    await form.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('status').filter({ hasText: 'Paramètres enregistrés.' }).waitFor();
    expect(count('network.settings.update')).toBe(1);
    // The saved settings and the network summary in the header were read again, once each.
    await until(() => count('network.settings.get') === before.settings + 1 && count('network.summary') === before.summary + 1, 'the settings and the summary to be read again');
    await page.waitForLoadState('networkidle');
    expect(count('network.settings.get')).toBe(before.settings + 1);
    expect(count('network.summary')).toBe(before.summary + 1);
    expect(await form.getByLabel('Délai de rétractation (jours)').inputValue()).toBe('21');
  });
});
