// The bridge between the sandboxed renderer and the main process: one function, `call`, on
// one IPC channel. The renderer never sees ipcRenderer itself.
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('ventil', {
  call: (name: string, input: unknown) => ipcRenderer.invoke('ventil:call', name, input),
  transport: 'ipc',
});
