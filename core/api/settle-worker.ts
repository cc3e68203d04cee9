// The settlement runner's worker thread: computes the rows of the chunks of orders it is sent
// (settle-compute.ts), and the books of those never settled before (books-compute.ts), while
// the runner's thread writes the previous chunk. Started through settle-worker.mjs, which
// registers the sources' loaders first. Protocol (settle-pool.ts): its start (setup, answer
// port, shared counters) comes as workerData, or, for a worker loaded ahead of its run
// (prewarmSettleWorker), as its first message; then one message per chunk, numbered; the worker
// computes it if it can claim it (`signal[NEXT]`, the first chunk nobody claimed, moved on by
// compare-and-swap: the runner's thread may have claimed it first), and then answers on `port`
// and increments and notifies `signal[ANSWERS]`.
import { parentPort, workerData } from 'node:worker_threads';
import { KeyTable } from './movement-keys.js';
import { chunkComputer, type Chunk } from './settle-compute.js';
import { ANSWERS, NEXT, type WorkerStart } from './settle-pool.js';

function serve({ setup, port, signal }: WorkerStart) {
  const answer = (message: unknown) => {
    port.postMessage(message);
    Atomics.add(signal, ANSWERS, 1);
    Atomics.notify(signal, ANSWERS);
  };
  let compute: ((chunk: Chunk) => unknown) | null = null;
  // The worker's own numbering of movement keys: each answer carries the keys it added (movement-keys.ts).
  const keys = new KeyTable();
  try {
    compute = chunkComputer(setup, keys);
    answer({ ready: true });
  } catch (e) {
    answer({ error: serialiseError(e) });
  }
  if (!compute) return;
  const run = compute;
  parentPort!.on('message', ({ seq, chunk }: { seq: number; chunk: Chunk }) => {
    if (Atomics.compareExchange(signal, NEXT, seq, seq + 1) !== seq) return; // the runner's thread computed it
    try {
      const computed = run(chunk);
      answer({ seq, computed, keys: keys.added() });
    } catch (e) {
      answer({ seq, error: serialiseError(e) });
    }
  });
}

if (workerData) serve(workerData as WorkerStart);
else parentPort!.once('message', ({ start }: { start: WorkerStart }) => serve(start));

function serialiseError(e: unknown) {
  const err = e instanceof Error ? e : new Error(String(e));
  return { name: err.name, message: err.message, issues: (err as { issues?: unknown }).issues ?? null };
}
