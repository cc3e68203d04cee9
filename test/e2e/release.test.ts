// Release runs in the back office (issue 15): on the demo, the preview says what each entity
// gets and why with totals per currency; above the demo's 5 000 € threshold the admin submits
// it, cannot approve it themself (four eyes), finance approves and runs it; the history then
// shows the new run and each transfer's PSP status (the demo's past run: paid, and a dead letter).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_ADMIN, screenshotInEnglish, startApp, until, type App } from './harness';

let app: App;
beforeAll(async () => { app = await startApp({ seed: 'demo' }); });
afterAll(async () => { await app?.stop(); });

const FINANCE = { login: 'finance', password: 'demo-finance-2026' };

describe('release runs', () => {
  test('preview → submit → approve by a second person → run → transfers shown with their PSP status', async () => {
    const { page } = app;
    await app.open('/release');
    const preview = page.getByTestId('release-preview');
    await preview.getByTestId('release-totals').locator('[data-currency="EUR"]').waitFor();
    expect(await preview.getByTestId('approval-needed').textContent()).toContain('deuxième personne');
    const why = await preview.getByTestId('preview-table').locator('.dt-body .dt-row').first().textContent();
    expect(why).toMatch(/commandes? pour/);
    expect(why).toContain('€');
    await app.screenshot('release-preview');
    await screenshotInEnglish(app, 'release-preview', 'Release runs', 'Versements aux entités');

    // The admin submits; the same person cannot approve.
    await preview.getByRole('button', { name: 'Soumettre à approbation' }).click();
    await page.locator('[data-testid="approval"][data-status="pending"]').waitFor();
    expect(await page.locator('[data-testid="approval"][data-status="pending"]').getByTestId('four-eyes').count()).toBe(1);
    expect(await page.locator('[data-testid="approval"][data-status="pending"]').getByRole('button', { name: 'Approuver' }).count()).toBe(0);

    // Finance approves, then runs it.
    await app.signInAs(FINANCE);
    await app.open('/release');
    const mine = page.locator('[data-testid="approval"][data-status="pending"]');
    await mine.getByRole('button', { name: 'Approuver' }).click();
    await page.locator('[data-testid="approval"][data-status="approved"]').getByRole('button', { name: 'Lancer le versement approuvé' }).click();
    await page.locator('[data-testid="approval"][data-status="executed"]').first().waitFor();

    const runs = await app.api<{ runs: { id: string; statuses: Record<string, number> }[] }>('release.list');
    if (!runs.ok) throw new Error(runs.error.message);
    expect(runs.value.runs).toHaveLength(2);
    const history = page.getByTestId('release-history');
    await until(async () => (await history.locator('.dt-body .dt-row').count()) === 2, 'both runs listed');
    // The demo's past run: paid transfers and a dead letter (the server's outbox runner sends
    // the queued ones meanwhile).
    await history.locator('.dt-body .dt-row').nth(1).click();
    const transfers = page.getByTestId('run-transfers');
    await transfers.locator('tr[data-psp-status="paid"]').first().waitFor();
    for (const s of ['paid', 'failed']) expect(await transfers.locator(`tr[data-psp-status="${s}"]`).count()).toBeGreaterThan(0);
    expect(await transfers.getByRole('link', { name: 'Relancer ou annuler' }).count()).toBe(1);
    await app.screenshot('release-history');
    await screenshotInEnglish(app, 'release-history', 'Past runs', 'Versements aux entités');
    app.user = DEMO_ADMIN;
    expect(app.pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
