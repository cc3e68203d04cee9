// Signing in: the demo database lists its accounts on the sign-in screen, a wrong password is
// refused, each role gets its own navigation, signing out returns to the sign-in screen; a new
// database asks for its first administrator.
import { afterAll, describe, expect, test } from 'vitest';
import { startApp, until, type App } from './harness';

const apps: App[] = [];
afterAll(async () => { for (const a of apps) await a.stop(); });

describe('sign-in', () => {
  test('lists the demo accounts, refuses a wrong password, and signs in by role', async () => {
    const app = await startApp({ seed: 'demo', user: null });
    apps.push(app);
    const { page } = app;
    await app.open();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    expect(await page.getByTestId('demo-banner').isVisible()).toBe(true);
    // Before sign-in, nothing but public operations answer.
    expect(await page.locator('.topbar').count()).toBe(0);
    const demo = await app.api<{ login: string; name: string }[]>('auth.demoUsers');
    if (!demo.ok) throw new Error(demo.error.message);
    const rows = page.locator('.demo-table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(demo.value.length);
    expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-login')))).toEqual(demo.value.map((u) => u.login));
    await app.screenshot('sign-in');

    const form = page.getByRole('form', { name: 'Connexion' });
    await form.getByLabel('Identifiant').fill('admin');
    await form.getByLabel('Mot de passe').fill('not-the-password');
    await form.getByRole('button', { name: 'Se connecter' }).click();
    await form.getByRole('alert').filter({ hasText: 'Identifiant ou mot de passe incorrect.' }).waitFor();
    expect(await page.locator('.topbar').count()).toBe(0);

    // One click on a demo account signs in as that user.
    const store = demo.value.find((u) => u.login === 'store')!;
    await page.getByRole('button', { name: `Se connecter en tant que ${store.name}` }).click();
    await page.locator('.topbar').waitFor();
    expect(await page.getByTestId('user').textContent()).toContain(store.name);
    expect(await page.getByTestId('user-role').textContent()).toBe('Responsable de magasin');
    const nav = await page.locator('.sidebar a[data-nav]').evaluateAll((as) => as.map((a) => a.getAttribute('data-nav')));
    expect(nav).not.toContain('entities'); // head-office registry is not a store view
    expect(nav).toContain('overview');
    await app.screenshot('store-manager-home');

    // The registry route is not offered to a store manager.
    await page.evaluate(() => { window.location.hash = '/registry/entities'; });
    await page.getByText('Cette page n’existe pas.').waitFor();

    await page.getByTestId('sign-out').click();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    // The session token is gone from the tab.
    expect(await page.evaluate(() => sessionStorage.getItem('ventil.session'))).toBeNull();

    await app.signInAs({ login: 'controller', password: 'demo-controller-2026' });
    expect(await page.getByTestId('user-role').textContent()).toBe('Contrôleur régional');
    expect(app.pageErrors.filter((e) => !/status of (400|401|403)/.test(e))).toEqual([]);
  });

  test('a new database offers to join a network, become head office or open the demo; head office asks for its first administrator', async () => {
    const app = await startApp({ seed: 'empty', user: null, setup: false });
    apps.push(app);
    const { page } = app;
    await app.open();
    await page.getByRole('heading', { level: 1, name: 'Nouvelle installation' }).waitFor();
    expect(await page.getByTestId('demo-banner').count()).toBe(0);
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(['Rejoindre un réseau', 'Devenir le siège', 'Ouvrir la démo']);
    expect(await page.getByRole('form', { name: 'Rejoindre un réseau' }).count()).toBe(1);
    expect(await page.getByTestId('open-demo').count()).toBe(1);
    const form = page.getByRole('form', { name: 'Premier administrateur' });
    await form.getByLabel('Nom et prénom').fill('Hélène Siège');
    await form.getByLabel('Identifiant').fill('helene');
    await form.getByLabel(/^Mot de passe/).fill('court');
    await form.getByLabel('Confirmer le mot de passe').fill('court');
    await form.getByRole('button', { name: 'Créer le compte et se connecter' }).click();
    const pw = form.getByLabel(/^Mot de passe/);
    await until(async () => (await pw.getAttribute('aria-invalid')) === 'true', 'the password to be refused');
    expect(await form.locator('[data-field="password"] .field-error').textContent()).toContain('Mot de passe trop faible');
    await app.screenshot('setup');

    await pw.fill('une phrase de passe solide');
    await form.getByLabel('Confirmer le mot de passe').fill('une phrase de passe solide');
    await form.getByRole('button', { name: 'Créer le compte et se connecter' }).click();
    await page.locator('.topbar').waitFor();
    expect(await page.getByTestId('user').textContent()).toContain('Hélène Siège');
    expect(await page.getByTestId('user-role').textContent()).toBe('Siège — administrateur');
    await page.getByTestId('kpi-entities').waitFor();
    expect(await page.getByTestId('kpi-entities').getAttribute('data-value')).toBe('0');
  });
});
