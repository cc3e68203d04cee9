// Starts the database process (electron/db-process.ts, bundled as out/main/db-process.js) as
// an Electron utilityProcess: a Chromium-launched child with Node, off the main process that
// draws the window. What Electron's API asks for (docs: utilityProcess, parentPort):
// - fork only after the app is ready; the child's parentPort queues messages until it listens;
// - `exit` comes however the process ended (its code may read 0 after a crash, so any exit the
//   main process did not ask for is a crash to HostClient);
// - never post to a process that has exited (Electron 44 crashed the main process when
//   postMessage was called from the exit listener), and kill() only once it has spawned.
import { utilityProcess } from 'electron';
import type { HostChild } from '../core/host/client.js';
import type { FromHost } from '../core/host/protocol.js';

export function utilityHost(entry: string): () => HostChild {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Ventil database', stdio: 'inherit' });
    let spawned = false;
    let exited = false;
    let killWhenSpawned = false;
    child.once('spawn', () => {
      spawned = true;
      if (killWhenSpawned) child.kill();
    });
    return {
      get pid() { return child.pid; },
      post: (m) => { if (!exited) child.postMessage(m); },
      onMessage: (listener) => { child.on('message', (m: unknown) => listener(m as FromHost)); },
      onExit: (listener) => {
        child.once('exit', (code) => {
          exited = true;
          listener(code, null);
        });
      },
      kill: () => {
        if (exited) return;
        if (spawned) child.kill();
        else killWhenSpawned = true;
      },
    };
  };
}
