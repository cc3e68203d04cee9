// The database process: owns the database, the API, the routing scheduler and the outbox
// runner, off the desktop window's main thread (in Electron, a utilityProcess started by
// electron/host-process.ts; under Node, any child process, as the tests do). It says hello,
// waits for its configuration (with the database key, which only the main process can read
// from the OS keychain), opens the database, then answers calls one by one.
import { createContext } from '../api/context.js';
import { startRoutingTimer } from '../api/routing.js';
import { useSettleWorkerEntry } from '../api/settle-pool.js';
import { seedDemo } from '../demo/seed.js';
import { ensureDemoUsers } from '../demo/users.js';
import { endSessionByToken } from '../api/auth.js';
import { errorFields, installLogSink, logger } from '../log/logger.js';
import { registerEnvSecrets, registerSecret } from '../log/redact.js';
import { keyFromEnvironment, openDatabase } from '../store/database.js';
import { encryptDatabaseFile } from '../store/encrypt-file.js';
import { countRows } from '../store/network-repo.js';
import type { Db } from '../store/db.js';
import { startReplicaSync } from '../replication/background.js';
import { fileCredentialStore, type CredentialStore, type DeviceCredential } from '../replication/credentials.js';
import { startBackgroundSync, type BackgroundSync } from '../sync/background.js';
import { preparePasswordChecks } from '../security/passwords.js';
import { answerCall, pruneCallJournal } from './calls.js';
import type { HostConfig, HostPort, ToHost } from './protocol.js';

const log = logger('host');

interface Running {
  db: Db;
  routing: { stop(): void } | null;
  sync: Promise<BackgroundSync> | null;
  replication: { stop(): Promise<void> } | null;
  prune: ReturnType<typeof setInterval>;
}

/**
 * The device credential given with the start message (sealed by the main process's keychain),
 * held here; a join or a forget is sent back to be sealed or removed there.
 */
function portCredentialStore(initial: DeviceCredential | null, port: HostPort): CredentialStore {
  let current = initial;
  return {
    where: 'the OS keychain (ventil-device.key)',
    load: () => current,
    save: (c) => { current = c; port.post({ t: 'device', credential: c }); },
    clear: () => { current = null; port.post({ t: 'device', credential: null }); },
  };
}

function open(config: HostConfig, port: HostPort): { running: Running; demo: boolean } {
  const key = config.key !== undefined ? config.key : keyFromEnvironment();
  registerSecret(key);
  if (config.settleWorker) useSettleWorkerEntry(config.settleWorker);
  if (key && config.encryptPlaintext) {
    const done = encryptDatabaseFile(config.file, key, config.nativeBinding);
    if (done.encrypted) logger('security').info(`encrypted ${config.file}; removed ${done.removedBackups.length} plaintext backup(s)`);
  }
  const { db, migrated } = openDatabase({ file: config.file, key, ...(config.nativeBinding ? { nativeBinding: config.nativeBinding } : {}) });
  if (migrated.applied.length) log.info(`migrated ${config.file}: ${migrated.applied.join(', ')}`, { backup: migrated.backup });
  // First start on an empty database: the demo network, marked as demo on every screen.
  if (config.seedDemo && countRows(db, 'entities') === 0) seedDemo(createContext(db));
  // The demo's sign-in screen offers one account per role; a real database starts with setup.
  ensureDemoUsers(db);
  pruneCallJournal(db);
  // The dummy hash unknown logins are checked against, made before the first sign-in.
  void preparePasswordChecks();
  const prune = setInterval(() => pruneCallJournal(db), 10 * 60_000);
  prune.unref();
  const running: Running = { db, routing: null, sync: null, replication: null, prune };
  if (config.background) {
    running.routing = startRoutingTimer(db);
    running.sync = startBackgroundSync(db);
    running.sync.catch((e: unknown) => log.error('the outbox runner did not start', errorFields(e)));
    // On a replica (or a database joining a network from its first screen): push and pull.
    const credentials = config.device !== undefined ? portCredentialStore(config.device, port) : fileCredentialStore(config.file);
    running.replication = startReplicaSync(db, { credentials });
  }
  return { running, demo: createContext(db).demo };
}

async function close(running: Running): Promise<void> {
  clearInterval(running.prune);
  running.routing?.stop();
  await running.replication?.stop();
  // The call in progress with the PSP finishes and is recorded before the database closes.
  await running.sync?.then((s) => s.stop(), () => undefined);
  running.db.close();
}

/**
 * Serves the database process on `port` until a stop message; `exit` ends the process (the
 * default), so a port that is gone (the main process died) does not leave it running.
 */
export function runHostService(port: HostPort, opts: { exit?: (code: number) => void } = {}): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  registerEnvSecrets();
  // This process's log records go to the main process, which writes the desktop's log file.
  installLogSink((record) => port.post({ t: 'log', record }), 'debug');
  let running: Running | null = null;
  const inProgress = new Set<Promise<void>>();
  port.onMessage((m: ToHost) => {
    switch (m.t) {
      case 'start': {
        if (running) return;
        try {
          const opened = open(m.config, port);
          running = opened.running;
          log.info(`database process ${process.pid} serving ${m.config.file}`);
          port.post({ t: 'ready', demo: opened.demo });
        } catch (e) {
          const err = errorFields(e).error as { code?: string; message: string };
          log.error(`cannot open ${m.config.file}`, errorFields(e));
          port.post({ t: 'start-failed', error: { code: err.code ?? 'database_unavailable', message: err.message } });
        }
        return;
      }
      case 'call': {
        if (!running) {
          port.post({ t: 'answer', id: m.id, result: { ok: false, error: { code: 'database_unavailable', message: 'the database is not open' } } });
          return;
        }
        const { t: _t, ...request } = m;
        // Calls are answered as they finish: a sign-in hashing a password off the thread does
        // not hold up the others. Stopping waits for the calls in progress.
        const pending = answerCall(running.db, request).then(
          (answer) => {
            if (answer.replayed) log.info(`answered ${m.name} from the journal: it was applied before the previous database process stopped`);
            port.post({ t: 'answer', id: m.id, ...answer });
          },
          (e: unknown) => {
            log.error(`${m.name} failed`, errorFields(e));
            port.post({ t: 'answer', id: m.id, result: { ok: false, error: { code: 'internal', message: (e as Error).message ?? String(e) } } });
          },
        ).finally(() => inProgress.delete(pending));
        inProgress.add(pending);
        return;
      }
      case 'end-session':
        if (running) endSessionByToken(running.db, m.token);
        return;
      case 'stop': {
        const was = running;
        running = null;
        void Promise.allSettled([...inProgress]).then(() => (was ? close(was) : undefined)).then(
          () => { port.post({ t: 'stopped' }); exit(0); },
          (e: unknown) => { log.error('stopping failed', errorFields(e)); exit(1); },
        );
        return;
      }
    }
  });
  port.post({ t: 'hello' });
}
