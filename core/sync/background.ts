// Running the outbox in the background of a long-lived process (the desktop app's main process,
// `ventil serve`): the same runner as `ventil sync`, started with the configured adapters and
// stopped cleanly (the call in progress finishes and is recorded). When another runner holds
// the lock (a `ventil sync` service on the same database), this one stands by and retries the
// lock from time to time.
//
//   const sync = await startBackgroundSync(db);   // logs to logger('sync') unless given `log`
//   app.on('before-quit', () => sync.stop());
import type { Db } from '../store/db.js';
import { createErpAdapter, createPspAdapter, createRegistry, loadErpConfig, loadPspConfig, type ErpAdapter, type PspConfig } from '../adapters/registry.js';
import { defaultSleep, OutboxRunner, ReplicaRunnerError, RunnerLockedError, type DrainReport, type RetryPolicy } from './runner.js';
import { logger } from '../log/logger.js';

const syncLog = logger('sync');

export interface BackgroundSync {
  runner: OutboxRunner;
  /** Stops after the call in progress; resolves when the runner has let go of the lock. */
  stop(): Promise<void>;
}

export async function startBackgroundSync(db: Db, opts: {
  config?: PspConfig; erp?: ErpAdapter | null; policy?: Partial<RetryPolicy>; pollMs?: number; standbyMs?: number;
  log?: (line: string) => void; onDrain?: (r: DrainReport) => void;
} = {}): Promise<BackgroundSync> {
  const log = opts.log ?? ((line: string) => syncLog.info(line));
  const psp = await createPspAdapter(db, opts.config ?? loadPspConfig());
  // The ERP connector, as configured (erp.push rows wait while none is).
  const erp = opts.erp !== undefined ? opts.erp : await (async () => createErpAdapter(db, loadErpConfig()))().catch((e: Error) => {
    log(`ERP connector not started (${e.message}); erp.push calls wait`);
    return null;
  });
  const runner = new OutboxRunner({ db, registry: createRegistry(psp, erp), policy: opts.policy, log });
  const stop = new AbortController();
  const done = (async () => {
    while (!stop.signal.aborted) {
      try {
        await runner.run({ signal: stop.signal, pollMs: opts.pollMs ?? 2_000, onDrain: opts.onDrain });
      } catch (e) {
        const standbyMs = opts.standbyMs ?? 30_000;
        // Not an end: the runner stands by and starts again (a writer that held the database
        // past the busy timeout, say), so the log says when.
        if (!(e instanceof RunnerLockedError) && !(e instanceof ReplicaRunnerError)) log(`outbox runner paused: ${(e as Error).message}; starting again in ${standbyMs / 1000} s`);
        await defaultSleep(standbyMs, stop.signal);
      }
    }
  })();
  return {
    runner,
    stop: async () => {
      stop.abort();
      await done;
    },
  };
}
