// The browser test harness: a real `ventil serve` child process on a temporary database, and
// Debian's Chromium driven by playwright-core, with a fresh profile per run. Each test file
// starts one with `startApp()` and stops it in `afterAll`.
//
//   build     out/renderer is built once (npx electron-vite build) when it is missing or older
//             than a file under renderer/; a lock keeps parallel test files from building twice
//   seed      'demo' runs `ventil demo`, 'basic' imports test/fixtures/examples/network-basic.json,
//             'empty' leaves the migrated database empty
//   serve     `ventil serve --db <file> --port 0` with VENTIL_TOKEN; waits for `ready <url>`
//   browser   /usr/bin/chromium (override: VENTIL_CHROMIUM), headless, 1366x768, fr-FR
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const run = promisify(execFile);

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = join(ROOT, 'docs/screenshots');
export const EXAMPLES = resolve(ROOT, 'test/fixtures/examples');
const CLI = ['--import', 'tsx', join(ROOT, 'core/cli/main.ts')];
const CHROMIUM = process.env.VENTIL_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * 'demo', 'basic' (test/fixtures/examples/network-basic.json), 'empty'; `{ file }` imports a
 * ventil.scenario/1 file; `{ db }` serves an existing database in place (benchmarks).
 */
export type Seed = 'demo' | 'basic' | 'empty' | { file: string } | { db: string };

export interface Credentials { login: string; password: string; name?: string }

/** The demo's administrator (core/demo/users.ts publishes the demo passwords). */
export const DEMO_ADMIN: Credentials = { login: 'admin', password: 'demo-admin-2026', name: 'Alice Admin (démo)' };
/** The first administrator the harness creates on a non-demo database (auth.setup). */
export const E2E_ADMIN: Credentials = { login: 'e2e-admin', password: 'e2e correct horse battery', name: 'Élise Testeuse' };

export interface App {
  /** Origin of the server, e.g. http://127.0.0.1:41234 */
  url: string;
  token: string;
  dbPath: string;
  page: Page;
  context: BrowserContext;
  /** Errors the page logged (console errors, uncaught exceptions, CSP violations). */
  pageErrors: string[];
  /** The user `open` signs in as (null: stay on the sign-in or setup screen). */
  user: Credentials | null;
  /**
   * Opens the app with the run token, signs in through the sign-in form when it shows, then
   * goes to `path` (a hash route such as /registry/entities).
   */
  open(path?: string): Promise<void>;
  /** Signs out (if signed in) and signs in as another user through the form. */
  signInAs(user: Credentials): Promise<void>;
  /** Calls the API over HTTP with a session of `user` (signed in through the API). */
  api<T = unknown>(name: string, input?: unknown): Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>;
  /** Saves the current view as docs/screenshots/<name>.png. */
  screenshot(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs the ventil command line (tsx) and returns its output. */
export async function cli(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [...CLI, ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    newest = Math.max(newest, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return newest;
}

/** Builds the renderer when out/renderer/index.html is missing or older than its sources. */
export async function ensureBuilt(): Promise<void> {
  const index = join(ROOT, 'out/renderer/index.html');
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < newestMtime(join(ROOT, 'renderer'));
  if (!stale()) return;
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  const lock = join(ROOT, 'out/.e2e-build.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another test file is building; a lock older than 3 minutes is left over from a crash.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error('timed out waiting for another renderer build');
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (stale()) await run('npx', ['electron-vite', 'build'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function seed(dbPath: string, kind: Seed): Promise<void> {
  if (kind === 'demo') await cli(['demo', '--db', dbPath]);
  else if (kind === 'basic') await cli(['import', join(EXAMPLES, 'network-basic.json'), '--db', dbPath]);
  else if (kind === 'empty') await cli(['init', '--db', dbPath]);
  else if ('file' in kind) await cli(['import', kind.file, '--db', dbPath]);
}

function startServer(dbPath: string, token: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...CLI, 'serve', '--db', dbPath, '--port', '0'], {
    cwd: ROOT, env: { ...process.env, ...env, VENTIL_TOKEN: token }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    let openUrl: string | null = null;
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ventil serve did not start in 30 s\n${out}\n${err}`)); }, 30_000);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const open = /^open (\S+)$/m.exec(out);
      if (open) openUrl = open[1]!;
      const ready = /^ready (http:\/\/\S+)$/m.exec(out);
      if (ready) {
        clearTimeout(timer);
        if (openUrl !== `${ready[1]}/#token=${token}`) {
          child.kill('SIGKILL');
          reject(new Error(`ventil serve printed an unexpected open line: ${openUrl}`));
        } else resolvePromise({ child, url: ready[1]! });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`ventil serve exited with ${code}\n${out}\n${err}`)); });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); r(); });
    child.kill('SIGTERM');
  });
}

async function post(url: string, bearer: string, name: string, input: unknown) {
  const res = await fetch(`${url}/api/${name}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` }, body: JSON.stringify(input),
  });
  return res.json() as Promise<{ ok: true; value: any } | { ok: false; error: { code: string; message: string } }>;
}

/**
 * `user`: who `open` signs in as; by default the demo administrator on the demo database, and
 * on another database the first administrator the harness creates with `auth.setup`
 * (`setup: false` leaves a new database without users, for the setup screen). `env` is added to
 * the server's environment (e.g. a PSP that cannot be reached, to keep calls in the outbox).
 */
export async function startApp(opts: { seed: Seed; lang?: 'fr' | 'en'; user?: Credentials | null; setup?: boolean; env?: Record<string, string> }): Promise<App> {
  await ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'ventil-e2e-'));
  const dbPath = typeof opts.seed === 'object' && 'db' in opts.seed ? opts.seed.db : join(dir, 'ventil.db');
  const profile = join(dir, 'chromium-profile');
  mkdirSync(profile);
  const stops: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => { for (const s of stops.splice(0).reverse()) await s().catch(() => undefined); };
  try {
    await seed(dbPath, opts.seed);
    const token = randomBytes(18).toString('base64url');
    const { child, url } = await startServer(dbPath, token, opts.env);
    stops.push(() => stopChild(child));

    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set VENTIL_CHROMIUM)`);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1366, height: 768 },
      deviceScaleFactor: 1,
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      acceptDownloads: true,
    });
    stops.push(() => context.close());
    const page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(10_000);
    const pageErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(`${m.text()} ${m.location().url}`.trim()); });
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    let user: Credentials | null = opts.user !== undefined ? opts.user : opts.seed === 'demo' ? DEMO_ADMIN : E2E_ADMIN;
    if (opts.seed !== 'demo' && opts.setup !== false) {
      const r = await post(url, token, 'auth.setup', { name: E2E_ADMIN.name, login: E2E_ADMIN.login, password: E2E_ADMIN.password });
      // A database served again (benchmarks) already has the harness's administrator.
      if (!r.ok && r.error.code !== 'already_set_up') throw new Error(`auth.setup: ${r.error.message}`);
    }
    const apiSessions = new Map<string, string>();

    const signInForm = async (u: Credentials) => {
      const form = page.locator('form[aria-label="Connexion"], form[aria-label="Sign in"]');
      await form.locator('input[name="login"]').fill(u.login);
      await form.locator('input[name="password"]').fill(u.password);
      await form.locator('button[type="submit"]').click();
      await page.locator('.topbar').waitFor();
    };

    if (opts.lang) await page.addInitScript((l) => { if (!localStorage.getItem('ventil.lang')) localStorage.setItem('ventil.lang', l); }, opts.lang);

    const app: App = {
      url, token, dbPath, page, context, pageErrors,
      get user() { return user; },
      set user(u) { user = u; },
      async open(path = '') {
        // A fresh document each time (a goto that only changes the hash would not reload it).
        await page.goto('about:blank');
        await page.goto(`${url}/#token=${token}`);
        await page.locator('.topbar, .auth-card').first().waitFor();
        if (user && await page.locator('.topbar').count() === 0) await signInForm(user);
        if (path) await page.evaluate((p) => { window.location.hash = p; }, path);
        await page.waitForLoadState('networkidle');
      },
      async signInAs(u) {
        user = u;
        if (await page.locator('[data-testid="sign-out"]').count() > 0) {
          await page.locator('[data-testid="sign-out"]').click();
          await page.locator('.auth-card').waitFor();
        }
        await signInForm(u);
      },
      async api(name, input = {}) {
        const u = user ?? (opts.seed === 'demo' ? DEMO_ADMIN : E2E_ADMIN);
        if (!apiSessions.has(u.login)) {
          const r = await post(url, token, 'auth.login', { login: u.login, password: u.password });
          if (!r.ok) throw new Error(`auth.login: ${r.error.message}`);
          apiSessions.set(u.login, r.value.token as string);
        }
        return post(url, apiSessions.get(u.login)!, name, input) as never;
      },
      async screenshot(name) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        const file = join(SCREENSHOTS, `${name}.png`);
        // Let charts and fonts settle, and hide the blinking caret.
        await page.evaluate(() => document.fonts.ready);
        // A shared CI machine can take longer than Playwright's 10 s default to paint a large page.
        await page.screenshot({ path: file, caret: 'hide', animations: 'disabled', timeout: 60_000 });
        return file;
      },
      stop,
    };
    return app;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Waits until `fn` returns true (polling), for conditions locators cannot express. */
export async function until(fn: () => Promise<boolean> | boolean, what: string, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Saves the current screen in English as docs/screenshots/<name>-en.png: switches the language
 * (FR/EN in the header), waits for `english` (a text the English screen shows), then switches
 * back to French and waits for `french`, so the test goes on as before.
 */
export async function screenshotInEnglish(app: App, name: string, english: string, french: string): Promise<void> {
  const { page } = app;
  await page.locator('[data-lang="en"]').click();
  await page.getByText(english, { exact: false }).first().waitFor();
  await page.waitForLoadState('networkidle');
  await app.screenshot(`${name}-en`);
  await page.locator('[data-lang="fr"]').click();
  await page.getByText(french, { exact: false }).first().waitFor();
}
