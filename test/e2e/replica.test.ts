// A store PC joining its network from the desktop's first screen (here `ventil serve` in a
// browser): the hub runs in this process (core/server in hub mode, on the loopback), the new
// database joins with the code IT gave, the store manager signs in with the account head office
// made, sees the sync line in the header, answers a request (queued, then applied by the hub),
// and, once head office revoked the device, the banner on every screen.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { startServer, type RunningServer } from '../../core/server/http.js';
import { hashPassword } from '../../core/security/passwords.js';
import { openDatabase } from '../../core/store/database.js';
import type { Db } from '../../core/store/db.js';
import { insertUser } from '../../core/store/users-repo.js';
import { ensureChangeLog } from '../../core/store/change-triggers.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, ok, shipFromStore } from '../helpers/lifecycle.js';
import { ensureBuilt, ROOT, startApp, type App } from './harness.js';

const MANAGER = { login: 'lyon', password: 'a store manager password', name: 'Léa Lyon' };

describe('a store replica in the browser', () => {
  const tmp = tempDir('ventil-e2e-hub-');
  let hubDb: Db;
  let hub: RunningServer;
  let app: App;

  beforeAll(async () => {
    await ensureBuilt();
    ({ db: hubDb } = openDatabase({ file: join(tmp.dir, 'hub.db') }));
    const system = createContext(hubDb);
    const soon = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    ok(callApi(system, 'scenario.import', { scenario: basicScenario({ orders: [shipFromStore('W-3001', soon, ['ST-LYON', 'ST-VILL']), shipFromStore('W-3002', soon, ['ST-LYON', 'ST-VILL'])] }) }));
    ok(callApi(system, 'routing.tick', {}));
    insertUser(hubDb, { name: MANAGER.name, login: MANAGER.login, role: 'store_manager', regions: [], entities: ['LYON'], password_hash: hashPassword(MANAGER.password), must_change_password: false, now: new Date().toISOString() });
    ensureChangeLog(hubDb);
    hub = await startServer({ db: hubDb, staticDir: join(ROOT, 'out/renderer'), token: 'hub-run-token-0123456789abcdef', host: '127.0.0.1', port: 0, hub: true });
    app = await startApp({ seed: 'empty', user: null, setup: false });
  }, 240_000);

  afterAll(async () => {
    await app?.stop();
    await hub?.close();
    hubDb?.close();
    tmp.cleanup();
  });

  test('joins with a code, signs in, answers a request through the hub, then shows the revocation', async () => {
    const { page } = app;
    const { code, device } = ok<{ code: string; device: { id: string } }>(callApi(createContext(hubDb), 'devices.enroll', { scope: 'entity:LYON', name: 'PC Lyon' }));
    await app.open();
    const form = page.getByRole('form', { name: 'Rejoindre un réseau' });
    await form.getByLabel('Adresse du siège').fill(hub.url);
    await form.getByLabel("Code d'enrôlement").fill(code);
    await form.getByRole('button', { name: 'Rejoindre' }).click();
    // The background joins and pulls the scope; then the sign-in screen says whose replica it is.
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('replica-of').textContent()).toContain(hub.url);
    await app.signInAs(MANAGER);
    await page.getByTestId('replica-status').waitFor();
    expect(await page.getByTestId('replica-status').textContent()).toContain('Siège joignable');

    await page.goto(`${app.url}/#/inbox`);
    await page.getByTestId('inbox-table').getByText('W-3001').first().click();
    await page.getByTestId('inbox-drawer').getByRole('button', { name: 'Accepter' }).click();
    await page.getByText('Décision enregistrée').waitFor();
    // The background pushes it within seconds; the hub applies it once.
    const accepted = () => hubDb.prepare("SELECT count(*) FROM events WHERE order_id = 'W-3001' AND type = 'fulfilment_accepted'").pluck().get() as number;
    for (let i = 0; i < 60 && accepted() === 0; i++) await page.waitForTimeout(500);
    expect(accepted()).toBe(1);
    await app.screenshot('replica-status');

    // Revoked: refused at the next sync (the next decision triggers one); every screen says so.
    ok(callApi(createContext(hubDb), 'devices.revoke', { device: device.id, reason: 'test' }));
    await page.goto(`${app.url}/#/inbox`);
    await page.getByTestId('inbox-table').getByText('W-3002').first().click();
    await page.getByTestId('inbox-drawer').getByRole('button', { name: 'Accepter' }).click();
    await page.getByText('Décision enregistrée').waitFor();
    for (let i = 0; i < 60; i++) {
      const r = await app.api<{ status: string }>('replica.status');
      if (r.ok && r.value.status === 'revoked') break;
      await page.waitForTimeout(500);
    }
    await page.reload();
    await page.getByTestId('revoked-banner').waitFor();
    expect(await page.getByTestId('revoked-banner').textContent()).toContain('révoqué');
  });
});
