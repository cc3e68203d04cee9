// The bridge between the sandboxed renderer and the main process: one function, `call`, on
// one IPC channel. The renderer never sees ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';
import type { ApiBridge } from '../core/api/index.js';

contextBridge.exposeInMainWorld('ventil', {
  call: (name, input) => ipcRenderer.invoke('ventil:call', name, input),
  transport: 'ipc',
} satisfies ApiBridge);
