// The single IPC channel: checks the sender is our own page and the call's shape, hands the
// call to the database process, and always answers `{ ok, ... }` (errors are values, never
// thrown across IPC). The logic lives in ipc-handler.ts, testable without Electron.
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { createIpcHandler, type HostLike } from './ipc-handler.js';

export function registerIpc(host: HostLike, isTrustedUrl: (url: string) => boolean): void {
  const { handle } = createIpcHandler({ host, isTrustedUrl });
  ipcMain.handle('ventil:call', (event: IpcMainInvokeEvent, name: unknown, input: unknown) => handle(event, name, input));
}
