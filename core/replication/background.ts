// The replication in the background of a long-lived process (the desktop app, `ventil serve` on
// a replica): a join asked for on the first-start screen, then a sync every `intervalMs`, and
// sooner when a decision is waiting to be pushed. Offline, it keeps trying with the same
// cadence; nothing is lost meanwhile. On a hub it does nothing.
//
//   const replication = startReplicaSync(db, { credentials });
//   app.on('before-quit', () => replication.stop());
import { hasUnpushedCommands, readReplicaState, updateReplicaState } from '../store/replica-repo.js';
import type { Db } from '../store/db.js';
import { HubError } from './client.js';
import type { HubClient, HubClientOptions } from './client.js';
import type { CredentialStore } from './credentials.js';
import { joinNetwork, syncOnce, type SyncReport } from './sync.js';
import { logger } from '../log/logger.js';

const replicationLog = logger('replication');

export interface ReplicaSyncOptions {
  credentials: CredentialStore;
  /** Pull cadence (default one minute). */
  intervalMs?: number;
  /** How often to look for decisions waiting to be pushed (default 2 s). */
  pushCheckMs?: number;
  now?: () => Date;
  log?: (line: string) => void;
  onSync?: (r: SyncReport) => void;
  /** How to reach the hub (tests call it in process). */
  connect?: (opts: HubClientOptions) => HubClient;
}

export function startReplicaSync(db: Db, opts: ReplicaSyncOptions): { stop(): Promise<void>; syncNow(): Promise<SyncReport | null> } {
  const now = opts.now ?? (() => new Date());
  const log = opts.log ?? ((line: string) => replicationLog.info(line));
  const interval = opts.intervalMs ?? 60_000;
  let last = 0;
  let running: Promise<SyncReport | null> | null = null;
  let stopped = false;

  const once = async (): Promise<SyncReport | null> => {
    const state = readReplicaState(db);
    if (!state) return null;
    if (state.status === 'joining') {
      if (!state.join_code) return null;
      try {
        await joinNetwork(db, { url: state.hub_url, code: state.join_code, ca: state.ca_pem }, { credentials: opts.credentials, now, log, connect: opts.connect });
      } catch (e) {
        const err = e as HubError;
        // Offline: try again later with the same code. Refused: the screen says why and asks again.
        if (err instanceof HubError && err.offline) updateReplicaState(db, { last_error_code: err.code, last_error: err.message });
        else updateReplicaState(db, { join_code: null, last_error_code: err.code ?? 'internal', last_error: err.message });
        log(`join failed: ${err.code}: ${err.message}`);
        return null;
      }
    }
    const r = await syncOnce(db, { credentials: opts.credentials, now, log, connect: opts.connect });
    opts.onSync?.(r);
    return r;
  };

  const syncNow = () => {
    running ??= once().catch((e: Error) => { log(`sync: ${e.message}`); return null; }).finally(() => { last = Date.now(); running = null; });
    return running;
  };

  const tick = () => {
    if (stopped || running) return;
    const state = readReplicaState(db);
    if (!state) return;
    const due = Date.now() - last >= interval;
    const waiting = state.status === 'joining' ? state.join_code !== null
      : state.status === 'active' && hasUnpushedCommands(db);
    if (due || waiting) void syncNow();
  };
  const timer = setInterval(tick, opts.pushCheckMs ?? 2_000);
  timer.unref?.();
  tick();
  return {
    syncNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
