// A synchronous PostgreSQL connection: the store's handlers are synchronous (docs/decisions/
// 0001-synchronous-store.md), so the connection lives on a worker thread and the caller blocks
// on a shared counter (Atomics.wait) until the answer is there, as the settlement pool does.
// Statements whose result the caller does not need are sent without waiting (`send`): they are
// pipelined behind each other and their errors surface at the next `query` or `sync`.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

export class PgError extends Error {
  constructor(message: string, readonly code: string | null) {
    super(message);
    this.name = 'PgError';
  }
}

type Answer = { ready: true } | { rows: unknown[]; rowCount: number } | { error: { name: string; message: string; code: string | null } };

const START_TIMEOUT_MS = 30_000;
const QUERY_TIMEOUT_MS = 600_000;
const WORKER_ENTRY = new URL('./pg-worker.mjs', import.meta.url);

export class SyncPg {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private read = 0;
  /** Statements sent and not yet answered. */
  private inFlight = 0;
  private closed = false;

  constructor(url: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_ENTRY, { workerData: { url, port: port2, signal: this.signal }, transferList: [port2] });
    this.worker.unref();
    // The worker answers its failures; an error event here (a crash) must not kill the process.
    this.worker.on('error', () => {});
    const ready = this.next(START_TIMEOUT_MS);
    if ('error' in ready) {
      this.close();
      throw new PgError(`cannot connect to PostgreSQL: ${ready.error.message}`, ready.error.code);
    }
  }

  /** Runs a statement and returns its rows (as objects, or as arrays with `rowMode: 'array'`). */
  query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], rowMode?: 'array'): Row[] {
    this.sendRaw(sql, params, rowMode);
    this.drain(1);
    const a = this.next(QUERY_TIMEOUT_MS);
    this.inFlight--;
    if ('error' in a) throw new PgError(a.error.message, a.error.code);
    return (a as { rows: Row[] }).rows;
  }

  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params: readonly unknown[] = []): number {
    this.sendRaw(sql, params);
    this.drain(1);
    const a = this.next(QUERY_TIMEOUT_MS);
    this.inFlight--;
    if ('error' in a) throw new PgError(a.error.message, a.error.code);
    return (a as { rowCount: number }).rowCount;
  }

  /** Sends a statement without waiting for it; a failure is thrown by the next query or sync. */
  send(sql: string, params: readonly unknown[] = []): void {
    this.sendRaw(sql, params);
  }

  /** Waits until every statement sent has been answered; throws the first failure. */
  sync(): void {
    this.drain(0);
  }

  /** Runs fn inside BEGIN/COMMIT; any failure (its own or a pipelined statement's) rolls back. */
  transaction<T>(fn: () => T): T {
    this.send('BEGIN');
    try {
      const result = fn();
      this.run('COMMIT');
      return result;
    } catch (e) {
      try { this.drain(0); } catch { /* the first failure is the one to report */ }
      this.run('ROLLBACK');
      throw e;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.postMessage({ close: true });
    this.port.close();
    void this.worker.terminate();
  }

  private sendRaw(sql: string, params: readonly unknown[], rowMode?: 'array'): void {
    if (this.closed) throw new PgError('the PostgreSQL connection is closed', null);
    this.port.postMessage({ sql, params, rowMode });
    this.inFlight++;
  }

  /** Reads answers until only `keep` statements are unanswered; the first failure is thrown after. */
  private drain(keep: number): void {
    let failure: PgError | null = null;
    while (this.inFlight > keep) {
      const a = this.next(QUERY_TIMEOUT_MS);
      this.inFlight--;
      if ('error' in a && !failure) failure = new PgError(a.error.message, a.error.code);
    }
    if (failure) throw failure;
  }

  private next(timeoutMs: number): Answer {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = Atomics.load(this.signal, 0);
      if (count > this.read) {
        const m = receiveMessageOnPort(this.port);
        if (m) { this.read++; return m.message as Answer; }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new PgError(`PostgreSQL did not answer within ${timeoutMs / 1000} s`, null);
      Atomics.wait(this.signal, 0, count, count > this.read ? 1 : Math.min(left, 1000));
    }
  }
}
