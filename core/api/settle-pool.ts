// Where the settlement runner's computation happens: on its own thread, or on a worker thread
// that computes the next chunk of orders while the runner writes the current one (a large run
// then uses both cores of a store PC: SQLite writes on one, the engine on the other).
// The runner stays synchronous, as its callers' transactions must be: it blocks on a shared
// counter (Atomics.wait) and reads the worker's answer with receiveMessageOnPort.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ValidationError, type Issue } from '../domain/scenario.js';
import { computeChunk, orderComputer, type Chunk, type ComputeSetup, type ComputedOrder } from './settle-compute.js';

export interface ChunkComputer {
  /** True when chunks are computed on a worker thread. */
  readonly parallel: boolean;
  /** Hands over the next chunk, to be computed while earlier ones are taken. */
  submit(chunk: Chunk): void;
  /** The results of the oldest chunk handed over, in its order. */
  take(): ComputedOrder[];
  close(): void;
}

export function inlineComputer(setup: ComputeSetup): ChunkComputer {
  const compute = orderComputer(setup);
  const queue: Chunk[] = [];
  return {
    parallel: false,
    submit: (chunk) => { queue.push(chunk); },
    take: () => computeChunk(compute, queue.shift()!),
    close: () => { queue.length = 0; },
  };
}

const START_TIMEOUT_MS = 60_000;
const CHUNK_TIMEOUT_MS = 300_000;
/** Beside this module in the sources (through tsx); the desktop bundle names its own entry. */
const SOURCE_ENTRY = new URL('./settle-worker.mjs', import.meta.url);
let workerEntry = SOURCE_ENTRY;

/** Where the settlement worker is: the desktop's database process sets its bundled entry (null: the sources'). */
export function useSettleWorkerEntry(file: string | null): void {
  workerEntry = file === null ? SOURCE_ENTRY : pathToFileURL(file);
}

/**
 * A computer on a worker thread, or null where none can start (the worker's entry is not on
 * disk, or it failed to load): the caller then computes inline.
 */
export function workerComputer(setup: ComputeSetup): ChunkComputer | null {
  if (workerEntry.protocol !== 'file:' || !existsSync(fileURLToPath(workerEntry))) return null;
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(workerEntry, { workerData: { setup, port: port2, signal }, transferList: [port2] });
  worker.unref();
  const answers = answerReader(port1, signal);
  const close = () => { port1.close(); void worker.terminate(); };
  const ready = answers(START_TIMEOUT_MS);
  if ('error' in ready) { close(); return null; }
  let waiting = 0;
  return {
    parallel: true,
    submit(chunk) {
      worker.postMessage(chunk);
      waiting++;
    },
    take() {
      if (waiting === 0) throw new Error('settlement worker: no chunk was handed over');
      waiting--;
      const answer = answers(CHUNK_TIMEOUT_MS);
      if ('error' in answer) throw rebuiltError(answer.error);
      if (!('computed' in answer)) throw new Error('settlement worker: unexpected answer');
      return answer.computed;
    },
    close,
  };
}

type Answer = { ready: true } | { computed: ComputedOrder[] } | { error: { name: string; message: string; issues: Issue[] | null } };

/** Reads the worker's answers in order, blocking until the next one is there. */
function answerReader(port: MessagePort, signal: Int32Array) {
  let read = 0;
  return (timeoutMs: number): Answer => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = Atomics.load(signal, 0);
      if (count > read) {
        const m = receiveMessageOnPort(port);
        if (m) { read++; return m.message as Answer; }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`settlement worker did not answer within ${timeoutMs / 1000} s`);
      // Until the count moves; or, if it moved before its message could be read, a millisecond.
      Atomics.wait(signal, 0, count, count > read ? 1 : Math.min(left, 1000));
    }
  };
}

function rebuiltError(e: { name: string; message: string; issues: Issue[] | null }): Error {
  if (e.name === 'ValidationError' && e.issues) return new ValidationError(e.issues, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
