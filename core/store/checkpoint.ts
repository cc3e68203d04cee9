// A large write's WAL checkpoint on another thread. In WAL mode a commit appends the
// transaction's pages to the WAL, and the committing connection then copies them into the
// database file (the automatic checkpoint): half of a large import's commit (0.9 s of 1.9 s at
// 20,000 orders). `deferCheckpoint` turns that copy off on the connection for the transaction
// under way and has a worker thread, with its own connection, copy them once it commits, while
// this thread goes on. Committed pages are durable in the WAL either way (synchronous = FULL);
// readers read them from there until they are copied.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { logger } from '../log/logger.js';
import { keyPragmas, originOf, type Sqlite } from './sqlite.js';

const checkpointLog = logger('store');
/**
 * How long the worker waits for the transaction to end (a million lines' import holds it about
 * four minutes here): past that it gives up, and the next commit's automatic checkpoint copies
 * the pages. Bounded, because the worker keeps a command alive until it ends.
 */
const WAIT_MS = 3_600_000;

/**
 * The worker (plain CommonJS, so that it needs no bundle entry of its own): opens the file,
 * waits for the write lock (held until the transaction under way ends, commit or rollback), lets
 * it go, copies the WAL into the file (PASSIVE: it never blocks a writer or a reader), and says
 * how it went in its shared word (1 done, 2 failed) and by message.
 */
const WORKER = `
const { workerData: w, parentPort } = require('node:worker_threads');
let db = null;
let error = null;
try {
  const Driver = require(w.driver);
  db = new Driver(w.file, w.nativeBinding ? { nativeBinding: w.nativeBinding } : {});
  for (const p of w.pragmas) db.pragma(p);
  db.pragma('busy_timeout = 60000');
  const giveUp = Date.now() + w.waitMs;
  for (;;) {
    try { db.exec('BEGIN IMMEDIATE'); break; } catch (e) {
      if (!String(e && e.code).startsWith('SQLITE_BUSY') || Date.now() > giveUp) throw e;
    }
  }
  db.exec('ROLLBACK');
  db.pragma('wal_checkpoint(PASSIVE)');
} catch (e) {
  error = String(e && e.message || e);
} finally {
  try { if (db) db.close(); } catch {}
  Atomics.store(w.state, 0, error ? 2 : 1);
  Atomics.notify(w.state, 0);
  parentPort.postMessage({ error });
}`;

const driverPath = () => createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers');

/** Checkpoints deferred and not yet seen done, by connection: their workers' shared words, and what follows them. */
const pending = new Map<Sqlite, { state: Int32Array; done: () => void }>();

/**
 * Defers the checkpoint of the transaction under way on `db` (a file in WAL mode) to a worker
 * thread that runs it once the transaction ends; the connection's automatic checkpoint is back
 * once it is done (on this thread's event loop). Returns false, changing nothing, where there is
 * no WAL to checkpoint (memory, read-only, another journal mode) or one is deferred already.
 */
export function deferCheckpoint(db: Sqlite): boolean {
  if (pending.has(db) || db.memory || db.readonly) return false;
  const origin = originOf(db);
  if (!origin || db.pragma('journal_mode', { simple: true }) !== 'wal') return false;
  const state = new Int32Array(new SharedArrayBuffer(4));
  // The connection's own setting (SQLite's default is 1,000 pages), back once the copy is done.
  const autocheckpoint = db.pragma('wal_autocheckpoint', { simple: true }) as number;
  const restore = () => db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  db.pragma('wal_autocheckpoint = 0');
  let worker: Worker;
  try {
    worker = new Worker(WORKER, {
      eval: true,
      workerData: { driver: driverPath(), file: db.name, nativeBinding: origin.nativeBinding, pragmas: origin.key === null ? [] : keyPragmas(origin.key), state, waitMs: WAIT_MS },
    });
  } catch (e) {
    restore();
    throw e;
  }
  const done = () => {
    if (pending.get(db)?.state !== state) return;
    pending.delete(db);
    // A failed checkpoint leaves the pages in the WAL: the next commit's automatic one copies them.
    if (db.open) restore();
  };
  // Not unref'd: a command that ends after its import (`ventil import`) exits once the pages are copied.
  pending.set(db, { state, done });
  worker.once('message', ({ error }: { error: string | null }) => {
    if (error) checkpointLog.warn('the deferred WAL checkpoint failed; the next commit copies the pages', { file: db.name, error });
    done();
  });
  worker.once('error', done);
  worker.once('exit', done);
  return true;
}

/**
 * Blocks until the checkpoint deferred on `db` is done (the automatic one back), or `timeoutMs`
 * passed; returns whether it is. For a caller with nothing else to do (the benchmark, before its
 * next timing; tests).
 */
export function awaitCheckpoint(db: Sqlite, timeoutMs: number): boolean {
  const p = pending.get(db);
  if (!p) return true;
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(p.state, 0) === 0) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    Atomics.wait(p.state, 0, 0, left);
  }
  p.done();
  return true;
}
