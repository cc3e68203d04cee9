// The desktop shell: app lifecycle, the window and its security settings. No business logic
// and no database: the store, the API, the routing scheduler and the outbox runner run in the
// database process (core/host, an Electron utilityProcess started by host-process.ts); every
// renderer call goes there through the single IPC channel (electron/ipc.ts).
import { app, BrowserWindow, safeStorage, session } from 'electron';
import electronLog from 'electron-log/main';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HostClient } from '../core/host/client.js';
import type { HostConfig } from '../core/host/protocol.js';
import { sealedCredentialStore } from '../core/replication/credentials.js';
import { logLevelFromEnv, logger } from '../core/log/logger.js';
import { registerSecret } from '../core/log/redact.js';
import { utilityHost } from './host-process.js';
import { registerIpc } from './ipc.js';
import { loadOrCreateDatabaseKey, sealedDeviceCredentials } from './keystore.js';
import { sqliteBinding } from './native-binding.js';
import { configureDesktopLog, desktopLogDir } from './log.js';
import { startUpdater } from './updater.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const rendererUrl = pathToFileURL(join(rendererDir, 'index.html')).href;
const isTrustedUrl = (url: string) => url.startsWith(pathToFileURL(rendererDir).href + '/');
const log = logger('app');

/** The replica's device credential, sealed by the OS keychain in userData (docs/deployment.md). */
function deviceStore() {
  const sealed = sealedDeviceCredentials(safeStorage, app.getPath('userData'));
  return sealedCredentialStore(sealed.where, sealed);
}

/**
 * What the database process opens (docs/security.md): with VENTIL_DB_KEY / VENTIL_DB_KEY_FILE
 * it reads the key itself; else, for the default database in userData, a random key kept by
 * the OS keychain (electron/keystore.ts: safeStorage exists in the main process only), given
 * with the start message, and a database created before encryption is encrypted first. A
 * database named by VENTIL_DB without a key stays as it is (development, shared files).
 */
function hostConfig(): HostConfig {
  const isDefault = process.env.VENTIL_DB === undefined;
  const file = process.env.VENTIL_DB ?? join(app.getPath('userData'), 'ventil.db');
  // A new database starts on the first-start screen: join a network, be a hub, or open the
  // demo (core/api/setup.ts), so the database process does not fill it with the demo unasked.
  // A replica's device credential is sealed by the keychain like the key, read here and given
  // with the start message; the database process sends it back when it joins or is revoked.
  const base = {
    file, nativeBinding: sqliteBinding(process.env, app.isPackaged), seedDemo: false, background: true,
    settleWorker: join(here, 'settle-worker.js'), logLevel: logLevelFromEnv(), device: deviceStore().load(),
  };
  if (process.env.VENTIL_DB_KEY || process.env.VENTIL_DB_KEY_FILE) return { ...base, encryptPlaintext: false };
  if (!isDefault) return { ...base, key: null, encryptPlaintext: false };
  const stored = loadOrCreateDatabaseKey(safeStorage, app.getPath('userData'));
  registerSecret(stored.key);
  if (stored.weak) logger('security').warn('no OS keyring found: the database key is stored without keychain protection');
  return { ...base, key: stored.key, encryptPlaintext: true };
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
  // The database process starts now; calls made before it is ready wait for it.
  const host = new HostClient({ spawn: utilityHost(join(here, 'db-process.js')), config: hostConfig(),
    onDeviceCredential: (credential) => {
      const store = deviceStore();
      if (credential) store.save(credential);
      else store.clear();
    },
  });
  registerIpc(host, isTrustedUrl);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
  app.on('before-quit', (event) => {
    // Let the call in progress (and the PSP call of the outbox) finish and be recorded first.
    if (host.status === 'stopped') return;
    event.preventDefault();
    void host.stop().finally(() => app.quit());
  });
  startUpdater({ currentVersion: app.getVersion(), packaged: app.isPackaged });
});
app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
