// Where the settlement runner's computation happens: on its own thread, or on a worker thread
// that computes the next chunk of orders while the runner writes the current one (a large run
// then uses both cores of a store PC: SQLite writes on one, the engine on the other), and
// computes itself what the worker has not started. The runner stays synchronous, as its
// callers' transactions must be: it blocks on a shared counter (Atomics.wait) and reads the
// worker's answer with receiveMessageOnPort.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ValidationError, type Issue } from '../domain/scenario.js';
import { KeyMapping, KeyTable } from './movement-keys.js';
import { chunkComputer, mapResultKeys, type Chunk, type ChunkResult, type ComputeSetup } from './settle-compute.js';

export interface ChunkComputer {
  /** True when chunks are computed on a worker thread. */
  readonly parallel: boolean;
  /** The table in which the results' movement keys are numbered (movement-keys.ts), whichever thread computed them. */
  readonly keys: KeyTable;
  /** Hands over the next chunk, to be computed while earlier ones are taken. */
  submit(chunk: Chunk): void;
  /** The results of the oldest chunk handed over, in its order (of its kind: the caller knows which it handed over). */
  take(): ChunkResult;
  /** Chunks computed on each thread so far. */
  readonly chunks: { worker: number; inline: number };
  /** Chunks claimed so far, by either thread. */
  claimed(): number;
  close(): void;
}

/** Computes on the caller's thread; `issued`: the months already issued (settle-compute.ts chunkComputer). */
export function inlineComputer(setup: ComputeSetup, issued?: () => ReadonlySet<string>): ChunkComputer {
  const keys = new KeyTable();
  const compute = chunkComputer(setup, keys, issued);
  const queue: Chunk[] = [];
  const chunks = { worker: 0, inline: 0 };
  return {
    parallel: false,
    keys,
    chunks,
    submit: (chunk) => { queue.push(chunk); },
    take: () => { chunks.inline++; return compute(queue.shift()!); },
    claimed: () => chunks.inline,
    close: () => { queue.length = 0; },
  };
}

const CHUNK_TIMEOUT_MS = 300_000;
/** Beside this module in the sources (bin/register-sources.mjs); the desktop bundle names its own entry. */
const SOURCE_ENTRY = new URL('./settle-worker.mjs', import.meta.url);
let workerEntry = SOURCE_ENTRY;

/** Where the settlement worker is: the desktop's database process sets its bundled entry (null: the sources'). */
export function useSettleWorkerEntry(file: string | null): void {
  workerEntry = file === null ? SOURCE_ENTRY : pathToFileURL(file);
}

/** Where the shared counters are (settle-worker.ts moves them too): answers sent by the worker, and the first chunk nobody has claimed. */
export const ANSWERS = 0;
export const NEXT = 1;

/** What a worker starts from: the run's setup, the port it answers on, and the shared counters. */
export interface WorkerStart { setup: ComputeSetup; port: MessagePort; signal: Int32Array }

/**
 * The worker's young generation, three 64 MB semi-spaces (V8's default tops out at 16 MB each),
 * as the `ventil` command gives its own thread (bin/ventil.mjs, --max-semi-space-size=64): a
 * chunk's objects die before a collection rather than being copied and promoted, which costs a
 * large run about a tenth of its CPU (docs/performance.md). It grows only while a run needs it.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 192 };

/** A worker loaded ahead of its run (prewarmSettleWorker), waiting for its start, and for which entry. */
let spare: { worker: Worker; entry: string; timer: NodeJS.Timeout } | null = null;
/** An unclaimed spare worker ends after this long. */
const SPARE_TTL_MS = 120_000;

const entryOnDisk = () => workerEntry.protocol === 'file:' && existsSync(fileURLToPath(workerEntry));

/**
 * Starts loading a settlement worker ahead of a run that will want one: an import of many orders
 * calls it before writing them, so the worker loads its modules (about a second from the sources)
 * while this thread imports, and the run's workerComputer takes it instead of starting one.
 * Unclaimed, it ends after two minutes; it never keeps the process alive. Returns whether it
 * started one (not when one is waiting already, nor where the worker's entry is not on disk).
 */
export function prewarmSettleWorker(): boolean {
  if (spare || !entryOnDisk()) return false;
  const worker = spawn(null);
  const timer = setTimeout(() => {
    if (spare?.worker !== worker) return;
    spare = null;
    void worker.terminate();
  }, SPARE_TTL_MS).unref();
  spare = { worker, entry: workerEntry.href, timer };
  return true;
}

/** A worker for this start: the spare one, loaded ahead for the current entry, or a new one. */
function startWorker(start: WorkerStart): Worker {
  const s = spare;
  if (s) {
    spare = null;
    clearTimeout(s.timer);
    if (s.entry === workerEntry.href) {
      s.worker.postMessage({ start }, [start.port]);
      return s.worker;
    }
    void s.worker.terminate();
  }
  return spawn(start);
}

/** A worker on the current entry, never keeping the process alive; `start` null: it waits for its start as a message. */
function spawn(start: WorkerStart | null): Worker {
  const worker = new Worker(workerEntry, { workerData: start, transferList: start ? [start.port] : [], resourceLimits: WORKER_LIMITS });
  worker.unref();
  // A worker that fails to load says so on the port; should it crash instead, its chunks are not claimed.
  worker.on('error', () => {});
  return worker;
}

export interface WorkerOptions {
  /**
   * Whether this thread computes the chunks the worker has not started (default): while the
   * worker loads, and whenever it falls behind, rather than wait. Tests turn it off so that the
   * worker computes every chunk.
   */
  shareWork?: boolean;
}

/**
 * A computer on a worker thread, or null where the worker's entry is not on disk (the caller
 * then computes inline); both threads place legs in their months from `setup.issued`, which a
 * run with books gives. Both threads share the work: each chunk is claimed once, in order,
 * through a shared counter (compare-and-swap), by the worker when its message comes up, or by
 * this thread when it needs the chunk (or any later one) before the worker got to it. So this
 * thread never idles while there is a chunk nobody computes: not while the worker starts (it
 * loads its modules, about a second from the sources), nor when the worker falls behind.
 */
export function workerComputer(setup: ComputeSetup, opts: WorkerOptions = {}): ChunkComputer | null {
  if (!entryOnDisk()) return null;
  const share = opts.shareWork !== false;
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const { port1, port2 } = new MessageChannel();
  const worker = startWorker({ setup, port: port2, signal: shared });
  const answers = answerReader(port1, shared);
  const chunks = { worker: 0, inline: 0 };
  // This thread numbers keys in `keys`; the worker in its own table, mapped here as its answers come.
  const keys = new KeyTable();
  const fromWorker = new KeyMapping(keys);
  let local: ReturnType<typeof chunkComputer> | null = null;
  const compute = (chunk: Chunk) => { chunks.inline++; return (local ??= chunkComputer(setup, keys))(chunk); };
  const queue: Chunk[] = []; // handed over, not taken; queue[0] is chunk `taken`
  const ahead = new Map<number, ChunkResult>(); // chunks this thread computed before their turn
  let submitted = 0;
  let taken = 0;
  let failed = false; // the worker could not start: every chunk is computed here
  const claim = (seq: number) => Atomics.compareExchange(shared, NEXT, seq, seq + 1) === seq;
  /** The worker's answer for chunk `seq` (past its start message); null when it could not start. */
  const answer = (seq: number): ChunkResult | null => {
    for (;;) {
      const a = answers(CHUNK_TIMEOUT_MS);
      if ('ready' in a) continue;
      if ('error' in a && a.seq === undefined) { failed = true; return null; } // this thread computes the rest, and meets any error itself
      if ('error' in a) throw rebuiltError(a.error);
      if (a.seq !== seq) throw new Error(`settlement worker: answered chunk ${a.seq} when chunk ${seq} was due`);
      chunks.worker++;
      fromWorker.learn(a.keys);
      mapResultKeys(a.computed, fromWorker);
      return a.computed;
    }
  };
  return {
    parallel: true,
    keys,
    chunks,
    submit(chunk) {
      worker.postMessage({ seq: submitted++, chunk });
      queue.push(chunk);
    },
    take() {
      if (queue.length === 0) throw new Error('settlement worker: no chunk was handed over');
      const seq = taken++;
      const chunk = queue.shift()!;
      const early = ahead.get(seq);
      if (early) { ahead.delete(seq); return early; }
      for (;;) {
        if ((share || failed) && claim(seq)) return compute(chunk);
        if (Atomics.load(shared, NEXT) > seq) break; // the worker has it
        // Not sharing: wait for the worker (its start, its failure to start, or its answer for this chunk).
        const computed = answer(seq);
        if (computed) return computed;
      }
      // The worker is computing it: until its answer comes, compute the next chunks nobody has started.
      while (share && !answers.waiting()) {
        const next = Atomics.load(shared, NEXT);
        if (next >= submitted) break;
        if (claim(next)) ahead.set(next, compute(queue[next - seq - 1]!));
      }
      const computed = answer(seq);
      if (!computed) throw new Error(`settlement worker: no answer for chunk ${seq}, which it claimed`);
      return computed;
    },
    claimed: () => Atomics.load(shared, NEXT),
    close() { port1.close(); void worker.terminate(); },
  };
}

type Answer = { ready: true } | { seq: number; computed: ChunkResult; keys: string[] } | { seq?: number; error: { name: string; message: string; issues: Issue[] | null } };

/** Reads the worker's answers in order, blocking until the next one is there. */
function answerReader(port: MessagePort, signal: Int32Array) {
  let read = 0;
  const next = (timeoutMs: number): Answer => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = Atomics.load(signal, ANSWERS);
      if (count > read) {
        const m = receiveMessageOnPort(port);
        if (m) { read++; return m.message as Answer; }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`settlement worker did not answer within ${timeoutMs / 1000} s`);
      // Until the count moves; or, if it moved before its message could be read, a millisecond.
      Atomics.wait(signal, ANSWERS, count, count > read ? 1 : Math.min(left, 1000));
    }
  };
  /** Whether an answer is there to read. */
  return Object.assign(next, { waiting: () => Atomics.load(signal, ANSWERS) > read });
}

function rebuiltError(e: { name: string; message: string; issues: Issue[] | null }): Error {
  if (e.name === 'ValidationError' && e.issues) return new ValidationError(e.issues, e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}
