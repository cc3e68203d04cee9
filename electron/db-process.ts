// Entry of the desktop's database process (an Electron utilityProcess, see host-process.ts):
// the store, the API, the routing scheduler and the outbox runner (core/host/service.ts),
// talking to the main process through Electron's parentPort.
import type { ParentPort } from 'electron';
import { runHostService } from '../core/host/service.js';
import type { ToHost } from '../core/host/protocol.js';

const parent = (process as unknown as { parentPort: ParentPort }).parentPort;
runHostService({
  post: (m) => parent.postMessage(m),
  onMessage: (listener) => { parent.on('message', (e) => listener(e.data as ToHost)); },
});
