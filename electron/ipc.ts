// The single IPC channel: checks the sender is our own page, validates the arguments' shape,
// resolves the sender's session, calls the API, and always answers `{ ok, ... }` (errors are
// values, never thrown across IPC). The logic lives in ipc-handler.ts, testable without Electron.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { Sqlite } from '../core/store/sqlite.js';
import { createIpcHandler } from './ipc-handler.js';

export function registerIpc(db: Sqlite, isTrustedUrl: (url: string) => boolean): void {
  const { handle } = createIpcHandler({ db, isTrustedUrl });
  ipcMain.handle('ventil:call', (event: IpcMainInvokeEvent, name: unknown, input: unknown) => handle(event, name, input));
}
