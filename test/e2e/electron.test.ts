// The desktop shell under Playwright's Electron driver: launches the built app and checks its
// security settings from inside, and that the database is in its own process (a
// utilityProcess), not in the main one. The Electron runtime is downloaded on first use; where it
// cannot be (no network, as in CI here), the test says so and why instead of passing silently.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/db.js';

/** The installed runtime, without triggering its download (require('electron') would). */
function electronBinary(): string | null {
  const dir = join(dirname(createRequire(import.meta.url).resolve('electron/package.json')));
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8'));
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const reason = binary === null
  ? 'the Electron runtime is not installed (Electron downloads it on first run; this machine has no network to fetch it)'
  : process.env.DISPLAY === undefined && process.platform === 'linux'
    ? 'no display (run under xvfb-run to launch the desktop app)'
    : null;
if (reason) console.warn(`electron.test.ts not run: ${reason}`);

describe('desktop shell', () => {
  it.skipIf(reason !== null)('opens the app with context isolation, sandbox, no Node in the page, and denies new windows', async () => {
    const tmp = tempDir();
    const app = await electron.launch({
      executablePath: binary!,
      args: [repoRoot],
      env: { ...process.env, VENTIL_DB: join(tmp.dir, 'desktop.db') },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('text=Ventil');
      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]!;
        const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> }).getLastWebPreferences();
        return { contextIsolation: p.contextIsolation, sandbox: p.sandbox, nodeIntegration: p.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (window as { ventil?: { call?: unknown } }).ventil?.call)).toBe('function');
      await page.evaluate(() => window.open('https://example.com'));
      expect(app.windows().length).toBe(1);

      // The database lives in the database process (a utilityProcess): the page's calls reach
      // it through the main process, which has no file of the database open.
      expect(await page.evaluate(() => (window as unknown as { ventil: { call(n: string, i: unknown): Promise<unknown> } }).ventil.call('auth.status', {}))).toMatchObject({ ok: true });
      const metrics = await app.evaluate(({ app: a }) => a.getAppMetrics().map((m) => ({ pid: m.pid, type: m.type, name: m.name ?? '' })));
      const dbProcess = metrics.find((m) => m.type === 'Utility' && m.name === 'Ventil database');
      expect(dbProcess).toBeDefined();
      if (process.platform === 'linux') {
        const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).map((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } });
        expect(openFiles(app.process().pid!).filter((f) => f.includes('desktop.db'))).toEqual([]);
        expect(openFiles(dbProcess!.pid).some((f) => f.endsWith('desktop.db'))).toBe(true);
      }
    } finally {
      await app.close();
      tmp.cleanup();
    }
  });
});
