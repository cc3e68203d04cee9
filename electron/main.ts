// The desktop shell: app lifecycle, the window and its security settings. No business logic:
// everything goes through core/api on the single IPC channel (electron/ipc.ts).
import { app, BrowserWindow, safeStorage, session } from 'electron';
import electronLog from 'electron-log/main';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createContext } from '../core/api/context.js';
import { seedDemo } from '../core/demo/seed.js';
import { ensureDemoUsers } from '../core/demo/users.js';
import { keyFromEnvironment, openDatabase } from '../core/store/database.js';
import { encryptDatabaseFile } from '../core/store/encrypt-file.js';
import { startRoutingTimer } from '../core/api/routing.js';
import { startBackgroundSync } from '../core/sync/background.js';
import { registerIpc } from './ipc.js';
import { logger } from '../core/log/logger.js';
import { registerSecret } from '../core/log/redact.js';
import { configureDesktopLog, desktopLogDir } from './log.js';
import { loadOrCreateDatabaseKey } from './keystore.js';
import { startUpdater } from './updater.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const rendererUrl = pathToFileURL(join(rendererDir, 'index.html')).href;
const isTrustedUrl = (url: string) => url.startsWith(pathToFileURL(rendererDir).href + '/');
const log = logger('app');
const securityLog = logger('security');

/**
 * The key of the database (docs/security.md): VENTIL_DB_KEY / VENTIL_DB_KEY_FILE when IT sets
 * one; else, for the default database in userData, a random key kept by the OS keychain
 * (electron/keystore.ts), encrypting a database created before encryption on first use.
 * A database named by VENTIL_DB without a key stays as it is (development, shared files).
 */
function databaseKey(file: string, isDefault: boolean, nativeBinding: string | undefined): string | null {
  const given = keyFromEnvironment();
  if (given !== null || !isDefault) return given;
  const stored = loadOrCreateDatabaseKey(safeStorage, app.getPath('userData'));
  registerSecret(stored.key);
  if (stored.weak) securityLog.warn('no OS keyring found: the database key is stored without keychain protection');
  const done = encryptDatabaseFile(file, stored.key, nativeBinding);
  if (done.encrypted) securityLog.info(`encrypted ${file}; removed ${done.removedBackups.length} plaintext backup(s)`);
  return stored.key;
}

function openStore() {
  const file = process.env.VENTIL_DB ?? join(app.getPath('userData'), 'ventil.db');
  const nativeBinding = process.env.VENTIL_SQLITE_BINDING;
  const key = databaseKey(file, process.env.VENTIL_DB === undefined, nativeBinding);
  const { db } = openDatabase({ file, nativeBinding, key });
  // The operator's context, for the first-start demo only; windows get their users' contexts.
  const ctx = createContext(db);
  // First start on an empty database: the demo network, marked as demo on every screen.
  const empty = (db.prepare('SELECT count(*) AS n FROM entities').get() as { n: number }).n === 0;
  if (empty && process.env.VENTIL_NO_DEMO !== '1') seedDemo(ctx);
  // The demo's sign-in screen offers one account per role; a real database starts with setup.
  ensureDemoUsers(db);
  return { db };
}

function createWindow() {
  const win = new BrowserWindow({
    width: 1366,
    height: 768,
    title: 'Ventil',
    webPreferences: {
      preload: join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    },
  });
  win.webContents.on('will-navigate', (e, url) => { if (url !== rendererUrl) e.preventDefault(); });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void win.loadURL(rendererUrl);
  return win;
}

app.enableSandbox();
app.whenReady().then(() => {
  configureDesktopLog(electronLog, { dir: desktopLogDir(app.getPath('userData')), console: !app.isPackaged });
  electronLog.eventLogger.startLogging(); // child-process-gone, render-process-gone...
  log.info(`Ventil ${app.getVersion()} starting (Electron ${process.versions.electron}, ${process.platform})`);
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, done) => done(false));
  session.defaultSession.webRequest.onHeadersReceived((details, done) => {
    done({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': ["default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"] } });
  });
  const { db } = openStore();
  registerIpc(db, isTrustedUrl);
  // Background work of the back office: routing deadlines, and the outbox to the PSP and ERP
  // (calls wait while offline; nothing is lost across restarts).
  const routing = startRoutingTimer(db);
  const sync = startBackgroundSync(db);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
  app.on('before-quit', (event) => {
    // Let the call in progress finish and be recorded before the database closes.
    if (db.open) {
      event.preventDefault();
      routing.stop();
      void sync.then((s) => s.stop()).finally(() => { db.close(); app.quit(); });
    }
  });
  startUpdater({ currentVersion: app.getVersion(), packaged: app.isPackaged });
});
app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
