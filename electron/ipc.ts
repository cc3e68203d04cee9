// The single IPC channel: checks the sender is our own page, validates the arguments' shape,
// calls the API, and always answers `{ ok, ... }` (errors are values, never thrown across IPC).
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { callApi } from '../core/api/index.js';
import type { ApiContext } from '../core/api/handler.js';

export function registerIpc(getContext: () => ApiContext, isTrustedUrl: (url: string) => boolean): void {
  ipcMain.handle('ventil:call', (event: IpcMainInvokeEvent, name: unknown, input: unknown) => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!isTrustedUrl(frameUrl) || event.senderFrame?.parent) {
      return { ok: false, error: { code: 'forbidden', message: 'IPC from an untrusted frame' } };
    }
    if (typeof name !== 'string' || name.length > 100) {
      return { ok: false, error: { code: 'invalid_input', message: 'the operation name must be a string' } };
    }
    return callApi(getContext(), name, input);
  });
}
