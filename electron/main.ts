// The desktop shell: app lifecycle, the window and its security settings. No business logic:
// everything goes through core/api on the single IPC channel (electron/ipc.ts).
import { app, BrowserWindow, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createContext } from '../core/api/context.js';
import { seedDemo } from '../core/demo/seed.js';
import { openDatabase } from '../core/store/database.js';
import { registerIpc } from './ipc.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererDir = join(here, '../renderer');
const rendererUrl = pathToFileURL(join(rendererDir, 'index.html')).href;
const isTrustedUrl = (url: string) => url.startsWith(pathToFileURL(rendererDir).href + '/');

function openStore() {
  const file = process.env.VENTIL_DB ?? join(app.getPath('userData'), 'ventil.db');
  const { db } = openDatabase({ file, nativeBinding: process.env.VENTIL_SQLITE_BINDING });
  const ctx = createContext(db);
  // First start on an empty database: the demo network, marked as demo on every screen.
  const empty = (db.prepare('SELECT count(*) AS n FROM entities').get() as { n: number }).n === 0;
  if (empty && process.env.VENTIL_NO_DEMO !== '1') seedDemo(ctx);
  return { db, ctx };
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
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, done) => done(false));
  session.defaultSession.webRequest.onHeadersReceived((details, done) => {
    done({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': ["default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"] } });
  });
  const { db, ctx } = openStore();
  registerIpc(() => ctx, isTrustedUrl);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
  app.on('will-quit', () => db.close());
});
app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
