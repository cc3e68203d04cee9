// Entry of the settlement worker thread: registers the sources' loaders (as bin/ventil.mjs
// does), then runs the TypeScript worker. A failure to load is reported through the same signal
// as an answer, once the worker has its start (workerData, or the first message of a worker
// loaded ahead).
import { parentPort, workerData } from 'node:worker_threads';

try {
  await import('../../bin/register-sources.mjs');
  await import('./settle-worker.ts');
} catch (e) {
  const report = ({ port, signal }) => {
    port.postMessage({ error: { name: 'WorkerStartError', message: String(e?.stack ?? e), issues: null } });
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  if (workerData) report(workerData);
  else parentPort.once('message', ({ start }) => report(start));
}
