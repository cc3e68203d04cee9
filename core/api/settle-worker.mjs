// Entry of the settlement worker thread: registers tsx (as bin/ventil.mjs does), then runs the
// TypeScript worker. A failure to load is reported through the same signal as an answer.
import { workerData } from 'node:worker_threads';

try {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./settle-worker.ts');
} catch (e) {
  workerData.port.postMessage({ error: { name: 'WorkerStartError', message: String(e?.stack ?? e), issues: null } });
  Atomics.add(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
}
