// Day-to-day operations on the basic network plus one order waiting for a store: the store
// manager's first sign-in (new password), the fulfilment inbox (refusal reroutes the line),
// escrow, the outbox after a release run (cancelling a transfer raises an anomaly), and the books
// with their FEC export.
import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXAMPLES, E2E_ADMIN, startApp, until, type App } from './harness';

let app: App;
let scenarioFile: string;
const STORE = { login: 'lyon', password: 'premier-mot-de-passe', name: 'Léa Lyon' };
const NEW_PASSWORD = 'un nouveau mot de passe solide';

beforeAll(async () => {
  // The basic network, and one web order placed five minutes ago that no store has answered.
  const scenario = JSON.parse(await readFile(join(EXAMPLES, 'network-basic.json'), 'utf8'));
  const at = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  scenario.orders.push({
    id: 'W-E2E-1', channel: 'web', origin: null, customer_postcode: '69003', created_at: at, currency: 'EUR',
    lines: [{ id: '1', sku: 'JKT-M', name: 'Veste M', category: 'apparel', kind: 'goods', quantity: 2, unit_price: 6000, discount: 0, vat_rate: '0.20', delivery_mode: 'ship_from_store', candidates: ['ST-LYON', 'ST-VILL'], pickup_location: null }],
    payments: [{ id: 'PAY-E2E-1', method: 'card', amount: 12000, psp_fee: 200, captured_at: at }],
  });
  const file = join(tmpdir(), `ventil-e2e-pending-${process.pid}.json`);
  scenarioFile = file;
  writeFileSync(file, JSON.stringify(scenario));
  // A PSP that cannot be reached (a closed port on this machine): calls stay in the outbox as
  // failed, so the sync screen has something to retry and cancel. Nothing leaves the machine.
  app = await startApp({ seed: { file }, env: { VENTIL_PSP: 'stripe', VENTIL_STRIPE_SECRET_KEY: 'sk_test_e2e_unreachable', VENTIL_STRIPE_API_BASE: 'http://127.0.0.1:9', VENTIL_STRIPE_TIMEOUT_MS: '500' } });
  // `ventil serve` may already run the routing scheduler; a tick more changes nothing then.
  await app.api('routing.tick');
  const open = await app.api<{ requests: { order: string }[] }>('inbox.list', { status: 'open' });
  if (!open.ok || !open.value.requests.some((r) => r.order === 'W-E2E-1')) throw new Error(`no request for W-E2E-1: ${JSON.stringify(open)}`);
  const user = await app.api('users.create', { name: STORE.name, login: STORE.login, role: 'store_manager', entities: ['LYON'], password: STORE.password });
  if (!user.ok) throw new Error(`users.create: ${user.error.message}`);
});
afterAll(async () => { await app?.stop(); if (scenarioFile) rmSync(scenarioFile, { force: true }); });

describe('operations', () => {
  test('a store manager chooses a password, then refuses a request, which goes to the next store', async () => {
    const { page } = app;
    await app.open();
    await app.signInAs({ login: STORE.login, password: STORE.password }).catch(() => undefined);
    await page.getByRole('heading', { level: 1, name: 'Nouveau mot de passe' }).waitFor();
    const form = page.getByRole('form', { name: 'Nouveau mot de passe' });
    await form.getByLabel('Mot de passe actuel').fill(STORE.password);
    await form.getByLabel('Nouveau mot de passe').fill(NEW_PASSWORD);
    await form.getByLabel('Confirmer le mot de passe').fill(NEW_PASSWORD);
    await app.screenshot('change-password');
    await form.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.locator('.topbar').waitFor();
    app.user = { login: STORE.login, password: NEW_PASSWORD };
    expect(await page.getByTestId('user').textContent()).toContain(STORE.name);

    await page.getByRole('link', { name: 'Demandes d’exécution' }).click();
    const table = page.getByRole('table', { name: 'Demandes d’exécution' });
    const row = table.locator('[role="row"]', { hasText: 'W-E2E-1' });
    await row.waitFor();
    expect(await table.locator('.dt-body [role="row"]').count()).toBe(1);
    expect(await row.textContent()).toContain('2 × Veste M');
    expect(await row.textContent()).toContain('ST-LYON');
    await row.click();
    const drawer = page.getByTestId('inbox-drawer');
    await drawer.getByRole('button', { name: 'Refuser' }).click();
    await drawer.getByLabel('Motif').selectOption('no_stock');
    await drawer.getByLabel('Commentaire (facultatif)').fill('Plus de taille M');
    await app.screenshot('inbox');
    await drawer.getByRole('button', { name: 'Confirmer le refus' }).click();
    await page.getByRole('status').filter({ hasText: 'Ligne 1 de W-E2E-1 refusée.' }).waitFor();
    await until(async () => (await table.locator('.dt-body [role="row"]').count()) === 0, 'the request to leave the inbox');

    // Head office sees the line offered to the next candidate.
    app.user = E2E_ADMIN;
    const all = await app.api<{ requests: { order: string; location: string; status: string }[] }>('inbox.list', { status: 'open' });
    if (!all.ok) throw new Error(all.error.message);
    expect(all.value.requests.filter((r) => r.order === 'W-E2E-1').map((r) => r.location)).toEqual(['ST-VILL']);
    await app.signInAs(E2E_ADMIN);
  });

  test('after a release run, the outbox shows the transfers; cancelling one raises an anomaly', async () => {
    const { page } = app;
    const run = await app.api<{ transfers: unknown[] }>('release.run');
    if (!run.ok) throw new Error(run.error.message);
    const list = await app.api<{ rows: { id: number; kind: string }[] }>('sync.outbox.list', { limit: 1000 });
    if (!list.ok) throw new Error(list.error.message);
    const total = list.value.rows.length;
    expect(list.value.rows.some((r) => r.kind === 'psp.transfer')).toBe(true);

    await app.open('/sync');
    await page.getByRole('heading', { level: 1, name: 'Synchronisation et rejets' }).waitFor();
    // Every call is somewhere: the counts add up to the rows of the outbox.
    const sum = async () => (await page.locator('[data-testid="sync-counts"] dd').allTextContents()).reduce((n, x) => n + Number(x.replace(/\D/g, '')), 0);
    await until(async () => (await sum()) === total, 'the counts to add up to the outbox');
    const rows = page.getByRole('table', { name: 'File d’envoi' }).locator('.dt-body [role="row"]');
    expect(await rows.count()).toBe(total);
    // The PSP cannot be reached: the header says offline, waiting or failed, never "in sync".
    const indicator = page.getByTestId('sync-indicator');
    await indicator.waitFor();
    expect(await indicator.textContent()).toMatch(/en attente|en échec|Hors ligne/);
    const transfer = page.getByRole('table', { name: 'File d’envoi' }).locator('[role="row"]', { hasText: 'psp.transfer' }).first();
    await transfer.click();
    const drawer = page.getByTestId('outbox-drawer');
    await drawer.locator('pre.json').first().waitFor();
    await app.screenshot('sync');
    await drawer.getByRole('button', { name: 'Annuler l’appel' }).click();
    await drawer.getByLabel('Motif').fill('Compte PSP du franchisé en cours de changement');
    await drawer.getByRole('button', { name: 'Confirmer l’annulation' }).click();
    await page.getByRole('status').filter({ hasText: /Appel \d+ annulé\./ }).waitFor();
    await until(async () => (await page.locator('[data-status="cancelled"] dd').textContent()) === '1', 'the cancelled count');

    await page.getByRole('link', { name: 'Anomalies' }).click();
    await page.getByRole('heading', { level: 1, name: 'Anomalies' }).waitFor();
    const anomalies = await app.api<{ anomalies: { kind: string }[] }>('anomalies.list');
    if (!anomalies.ok) throw new Error(anomalies.error.message);
    expect(anomalies.value.anomalies.some((a) => a.kind === 'transfer_not_sent')).toBe(true);
    const table = page.getByRole('table', { name: 'Anomalies' });
    await table.locator('[role="row"]', { hasText: 'Virement non parti' }).first().waitFor();
    expect(await table.locator('.dt-body [role="row"]').count()).toBe(anomalies.value.anomalies.length);
    await app.screenshot('anomalies');
  });

  test('escrow totals match the API', async () => {
    const { page } = app;
    const pos = await app.api<{ entities: { currency: string; held: number; released: number }[] }>('escrow.position');
    if (!pos.ok) throw new Error(pos.error.message);
    const held = pos.value.entities.filter((e) => e.currency === 'EUR').reduce((s, e) => s + e.held, 0);
    await app.open('/escrow');
    await page.getByTestId('escrow-totals').waitFor();
    const shown = (await page.locator('[data-kpi="held"]').textContent())!.replace(/[\u202f\u00a0]/g, ' ');
    expect(shown).toBe(new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' }).format(`${Math.trunc(held / 100)}.${String(held % 100).padStart(2, '0')}` as `${number}`).replace(/[\u202f\u00a0]/g, ' '));
    expect(await page.getByRole('table', { name: 'Séquestre' }).locator('.dt-body [role="row"]').count()).toBe(pos.value.entities.length);
    await app.screenshot('escrow');
  });

  test('the books of a month balance, its FEC downloads, and an open year is refused', async () => {
    const { page } = app;
    await app.open('/books');
    await page.getByLabel('Entité').selectOption('LYON');
    await page.getByLabel('Période').selectOption('2026-03');
    const entries = await app.api<{ total: number; entries: { lines: unknown[] }[] }>('journal.entries', { entity: 'LYON', period: '2026-03', limit: 5000 });
    if (!entries.ok) throw new Error(entries.error.message);
    const lines = entries.value.entries.reduce((n, e) => n + e.lines.length, 0);
    expect(lines).toBeGreaterThan(0);
    await until(async () => ((await page.getByTestId('books-table').locator('.dt-count').textContent()) ?? '').startsWith(`${lines} sur ${lines}`), 'the month’s journal lines');
    expect(await page.getByTestId('books-totals').textContent()).toContain('Équilibré');
    await app.screenshot('books');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Exporter le FEC' }).click()]);
    const siren = (await app.api<{ id: string; siren: string }[]>('network.entities.list') as { ok: true; value: { id: string; siren: string }[] }).value.find((e) => e.id === 'LYON')!.siren;
    expect(download.suggestedFilename()).toBe(`${siren}FEC20260331.txt`);
    const fec = (await readFile((await download.path())!)).toString('latin1');
    expect(fec.split('\r\n')[0]).toBe('JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise');
    expect(fec.split('\r\n').filter(Boolean).length - 1).toBe(lines);

    await page.getByLabel('Période').selectOption('2026');
    await page.getByRole('button', { name: 'Exporter le FEC' }).click();
    await page.getByTestId('export-error').filter({ hasText: 'Export refusé' }).waitFor();
    expect(app.pageErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
