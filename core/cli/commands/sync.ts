import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions, type Parsed } from '../command.js';
import type { ApiOutput } from '../../api/index.js';
import { resolveDbPath } from '../paths.js';
import { openDatabase } from '../../store/database.js';
import { createPspAdapter, createRegistry, describeConfig, loadPspConfig, type ErpAdapter, type PspConfig } from '../../adapters/registry.js';
import type { PspAdapter } from '../../adapters/psp.js';
import type { Db } from '../../store/db.js';
import { OutboxRunner, RunnerLockedError, type DrainReport, type RetryPolicy } from '../../sync/runner.js';
import { countOutbox } from '../../sync/outbox.js';
import { logger } from '../../log/logger.js';
import { echoLogTo } from '../../log/file-log.js';
import { isReplica } from '../../replication/installation.js';
import type { SyncReport } from '../../replication/sync.js';

const syncLog = logger('sync');

const HELP = `Usage: ventil sync [--once] [--db PATH] [--json] [--interval MS]
                   [--inbox DIR] [--pull URL [--pull-name NAME]] [--webhook-port N] [--status]

On a replica (ventil join): pushes the decisions taken here to the hub and pulls the changes of
its scope; --once does it once and exits (1 when the hub cannot be reached: the data stays as of
its last pull, decisions wait); without it, every --interval MS (default 60000) until stopped.
--page-size N asks for pages of at most N documents (slow links; default the hub's, 1000).
The options below are the hub's and standalone installations'.

Sends the outbox: the transfers, reversals, refunds, captures and payouts (and ERP pushes) that
business changes queued, to the configured PSP, with retries, backoff and an idempotency key per
call. Calls that keep failing are dead-lettered with their reason (see sync.status in the back
office; retry or cancel them there). Without --once it runs until SIGINT or SIGTERM, finishing the
call in progress first (a second signal stops at once; the interrupted call is retried with the
same key on the next start). Offline, calls wait until the PSP can be reached again.

  --once            send what is due now and exit (failed calls stay queued for later)
  --interval MS     how often to look for new calls (default 2000)
  --inbox DIR       also import the feed files dropped in DIR (done/ and rejected/ beside them)
  --pull URL        also pull orders and events from URL (GET ?cursor=..., { items, next_cursor })
  --pull-name NAME  name of the pulled feed and of its stored cursor (default "default")
  --webhook-port N  also receive Stripe webhooks on http://127.0.0.1:N/webhooks/stripe
                    (needs VENTIL_STRIPE_WEBHOOK_SECRET)
  --status          print the state of the outbox and exit

The PSP is the embedded sandbox unless VENTIL_PSP=stripe (see docs/sync.md: the secret key comes
from VENTIL_STRIPE_SECRET_KEY or a key file, never from the database).

Tuning (defaults suit production): --timeout MS (per call, 30000), --max-attempts N (12),
--backoff-base MS (5000), --backoff-max MS (3600000), --offline-max MS (300000), --funds-retry MS
(wait after the PSP refused a call for want of available funds, 1800000), --settle-ms MS (inbox
files younger than this are left for the next pass, 2000).`;

/**
 * A failure with a code, printed by main.ts like any command failure (exit status 1). Not the
 * CliFailure of io.ts: importing io.ts loads the whole API, and `ventil sync` starts without it.
 */
class SyncFailure extends Error {
  constructor(readonly code: string, message: string, readonly issues?: unknown) { super(message); this.name = 'SyncFailure'; }
}

function intOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, not ${JSON.stringify(v)}`);
  return n;
}

const SYNC_OPTIONS = {
  ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION,
  once: { type: 'boolean' }, status: { type: 'boolean' }, interval: { type: 'string' }, inbox: { type: 'string' },
  pull: { type: 'string' }, 'pull-name': { type: 'string' }, 'webhook-port': { type: 'string' },
  timeout: { type: 'string' }, 'max-attempts': { type: 'string' }, 'backoff-base': { type: 'string' }, 'backoff-max': { type: 'string' },
  'offline-max': { type: 'string' }, 'settle-ms': { type: 'string' }, 'funds-retry': { type: 'string' }, 'page-size': { type: 'string' },
} as const;
type SyncValues = Parsed<typeof SYNC_OPTIONS>['values'];

export const syncCommand: Command = {
  name: 'sync',
  summary: 'Send the outbox to the PSP (and ERP) with retries; import feeds; --once to drain and exit',
  help: HELP,
  async run(argv) {
    const { values } = parseOptions(argv, SYNC_OPTIONS, false);
    const policy = retryPolicy(values);
    const pollMs = intOption('interval', values.interval) ?? 2_000;
    const webhookPort = intOption('webhook-port', values['webhook-port']);
    const settleMs = intOption('settle-ms', values['settle-ms']);
    const json = values.json === true;

    const path = resolveDbPath(values.db);
    const { db } = openDatabase({ file: path });
    // A replica never loads the PSP configuration: it syncs with its hub instead.
    if (isReplica(db)) {
      try {
        return await replicaSync(db, path, { once: values.once === true, json, intervalMs: intOption('interval', values.interval) ?? 60_000, pageSize: intOption('page-size', values['page-size']) });
      } finally {
        db.close();
      }
    }
    // What the runner does goes to the log file (core/cli/main.ts), and to stderr unless --json.
    const log = (line: string) => syncLog.info(line);
    const stopEcho = json ? () => {} : echoLogTo(process.stderr);
    try {
      if (values.status) return await printOutboxStatus(db, json);
      const config = pspConfig(policy);
      const { psp, erp } = await startAdapters(db, config, log);
      const runner = new OutboxRunner({ db, registry: createRegistry(psp, erp), policy, log });
      try {
        runner.acquire();
      } catch (e) {
        if (e instanceof RunnerLockedError) throw new SyncFailure('runner_locked', e.message);
        throw e;
      }
      try {
        const feedTick = feedsTick(db, values, settleMs, log);
        const receiver = webhookPort === undefined ? null : await startWebhooks(db, config, webhookPort, log);
        try {
          if (values.once) {
            await feedTick();
            const report = await runner.drain();
            const counts = countOutbox(db);
            if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...report, counts, psp: psp.name, erp: erp?.name ?? null })}\n`);
            else printDrain(report, counts, psp.name);
            return EXIT_OK;
          }
          log(`ventil sync: ${JSON.stringify(describeConfig(config))}, database ${path}, runner ${runner.id}`);
          await runUntilSignalled(runner, { pollMs, json, feedTick, log });
        } finally {
          await receiver?.close();
        }
        const counts = countOutbox(db);
        if (json) process.stdout.write(`${JSON.stringify({ ok: true, stopped: true, counts })}\n`);
        else process.stdout.write(`stopped; ${counts.pending + counts.failed} call(s) waiting, ${counts.dead} dead-lettered\n`);
        return EXIT_OK;
      } finally {
        runner.release(); // idempotent: run() releases it already
      }
    } finally {
      stopEcho();
      db.close();
    }
  },
};

/** The retry policy the tuning options ask for; what they leave out keeps its default. */
function retryPolicy(values: SyncValues): Partial<RetryPolicy> {
  const policy: Partial<RetryPolicy> = {};
  const set = <K extends keyof RetryPolicy>(k: K, v: number | undefined) => { if (v !== undefined) policy[k] = v; };
  set('callTimeoutMs', intOption('timeout', values.timeout));
  set('maxAttempts', intOption('max-attempts', values['max-attempts']));
  set('baseMs', intOption('backoff-base', values['backoff-base']));
  set('maxMs', intOption('backoff-max', values['backoff-max']));
  set('offlineMaxMs', intOption('offline-max', values['offline-max']));
  set('fundsRetryMs', intOption('funds-retry', values['funds-retry']));
  if (policy.offlineMaxMs !== undefined) policy.offlineBaseMs = Math.min(policy.offlineMaxMs, 5_000);
  if (policy.maxAttempts === 0) throw new UsageError('--max-attempts must be at least 1');
  return policy;
}

/** The API's context on this database, loaded (with everything the API loads) only when needed. */
async function apiContext(db: Db) {
  const { createContext } = await import('../../api/context.js');
  return createContext(db);
}

/** --status: what sync.status says, as text or JSON. */
async function printOutboxStatus(db: Db, json: boolean): Promise<number> {
  const { callApi } = await import('../../api/index.js');
  const r = callApi(await apiContext(db), 'sync.status', {});
  if (!r.ok) throw new SyncFailure(r.error.code, r.error.message);
  if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...(r.value as object) }, null, 2)}\n`);
  else printStatus(r.value as ApiOutput<'sync.status'>);
  return EXIT_OK;
}

function pspConfig(policy: Partial<RetryPolicy>): PspConfig {
  let config: PspConfig;
  try {
    config = loadPspConfig();
  } catch (e) {
    throw new SyncFailure('config_error', (e as Error).message);
  }
  if (config.stripe && policy.callTimeoutMs !== undefined) config.stripe.timeoutMs = policy.callTimeoutMs;
  return config;
}

/** The PSP adapter, and the ERP connector (core/adapters/erp.ts) if one is configured: erp.push rows wait without it. */
async function startAdapters(db: Db, config: PspConfig, log: (line: string) => void): Promise<{ psp: PspAdapter; erp: ErpAdapter | null }> {
  const psp = await createPspAdapter(db, config);
  let erp: ErpAdapter | null = null;
  try {
    const erpModule = await import('../../adapters/erp.js');
    erp = await erpModule.createErpAdapter(db, erpModule.loadErpConfig());
  } catch (e) {
    log(`ERP connector not started (${(e as Error).message}); erp.push calls wait`);
  }
  return { psp, erp };
}

/** What runs before each drain: importing the inbox folder's files and pulling the feed, when asked. */
function feedsTick(db: Db, values: SyncValues, settleMs: number | undefined, log: (line: string) => void): () => Promise<void> {
  return async () => {
    if (!values.inbox && !values.pull) return;
    const ctx = await apiContext(db);
    const feeds = await import('../../sync/feeds.js');
    if (values.inbox) {
      for (const r of feeds.processInbox(ctx, values.inbox, { settleMs })) {
        if (r.status !== 'waiting') log(`inbox ${r.file}: ${r.status}${r.error ? ` (${r.error.code}: ${r.error.message})` : r.changed === false ? ' (already imported)' : ''}`);
      }
    }
    if (values.pull) {
      const r = await feeds.pullFeed(ctx, { name: values['pull-name'] ?? 'default', url: values.pull,
        headers: process.env.VENTIL_FEED_TOKEN ? { Authorization: `Bearer ${process.env.VENTIL_FEED_TOKEN}` } : {} });
      if (r.pages > 0 || r.error) log(`pull ${values.pull}: ${r.pages} page(s), ${r.items} item(s)${r.error ? `; ${r.error.code}: ${r.error.message}` : ''}`);
    }
  };
}

async function startWebhooks(db: Db, config: PspConfig, port: number, log: (line: string) => void): Promise<{ url: string; close(): Promise<void> }> {
  if (!config.webhookSecret) throw new SyncFailure('config_error', '--webhook-port needs VENTIL_STRIPE_WEBHOOK_SECRET to verify deliveries');
  const { startWebhookReceiver } = await import('../../sync/webhook.js');
  const receiver = await startWebhookReceiver({ db, secret: config.webhookSecret, port });
  log(`receiving webhooks at ${receiver.url}`);
  return receiver;
}

/**
 * Runs the outbox until SIGINT or SIGTERM: the first signal lets the call in progress finish,
 * a second one exits at once (the interrupted call goes again, same key, on the next start).
 */
async function runUntilSignalled(runner: OutboxRunner, opts: { pollMs: number; json: boolean; feedTick: () => Promise<void>; log: (line: string) => void }): Promise<void> {
  const { log } = opts;
  const stop = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) { log('stopping after the call in progress (signal again to stop now)'); stop.abort(); }
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (!opts.json) process.stdout.write(`ready ${runner.id}\n`);
  else process.stdout.write(`${JSON.stringify({ ready: runner.id })}\n`);
  try {
    await runner.run({
      signal: stop.signal, pollMs: opts.pollMs,
      onTick: async () => { try { await opts.feedTick(); } catch (e) { log(`feeds: ${(e as Error).message}`); } },
      onDrain: (r) => { if (r.processed > 0) log(`sent ${r.sent}, retry later ${r.retried}, dead ${r.dead}${r.offline ? ', PSP unreachable' : ''}${r.blocked ? ', PSP refused our credentials' : ''}`); },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function replicaSync(db: Db, path: string, opts: { once: boolean; json: boolean; intervalMs: number; pageSize?: number }): Promise<number> {
  const { fileCredentialStore } = await import('../../replication/credentials.js');
  const { syncOnce } = await import('../../replication/sync.js');
  const credentials = fileCredentialStore(path);
  // What it does goes to the log file (core/cli/main.ts), and to stderr unless --json.
  const log = (line: string) => syncLog.info(line);
  if (!opts.json) echoLogTo(process.stderr);
  const print = (r: SyncReport) => {
    if (opts.json) process.stdout.write(`${JSON.stringify({ ok: r.error === null && !r.offline, ...r })}\n`);
    else if (r.offline) console.log(`the hub cannot be reached: data as of ${r.data_as_of ?? 'never'}; decisions wait in the outbox`);
    else if (r.error) console.log(`sync refused: ${r.error.message} [${r.error.code}]`);
    else console.log(`pushed ${r.pushed} decision(s)${r.duplicates ? ` (${r.duplicates} already applied)` : ''}; pulled ${r.written} document(s), removed ${r.removed}, in ${r.pages} page(s); data as of ${r.data_as_of}`);
  };
  const run = async () => {
    try {
      return await syncOnce(db, { credentials, log, ...(opts.pageSize ? { pageSize: Math.min(1000, Math.max(1, opts.pageSize)) } : {}) });
    } catch (e) {
      const err = e as { code?: string; message: string };
      throw new SyncFailure(err.code ?? 'internal', err.message);
    }
  };
  if (opts.once) {
    const r = await run();
    print(r);
    if (r.error?.code === 'device_revoked') throw new SyncFailure('device_revoked', r.error.message);
    return r.offline || r.error ? 1 : EXIT_OK;
  }
  let stop = false;
  const onSignal = () => { stop = true; };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  if (!opts.json) process.stdout.write('ready replica\n');
  while (!stop) {
    print(await run());
    for (let waited = 0; waited < opts.intervalMs && !stop; waited += 500) await new Promise((r) => setTimeout(r, 500));
  }
  return EXIT_OK;
}

function printDrain(r: DrainReport, counts: ReturnType<typeof countOutbox>, psp: string): void {
  console.log(`${psp}: ${r.processed} call(s) tried, ${r.sent} sent, ${r.retried} to retry later, ${r.dead} dead-lettered`);
  if (r.offline) console.log('the PSP could not be reached: calls wait until the network is back');
  if (r.blocked) console.log('the PSP refused our credentials: check the configuration (docs/sync.md)');
  console.log(`outbox: ${counts.pending} pending, ${counts.failed} waiting to retry, ${counts.in_flight} in flight, ${counts.dead} dead, ${counts.sent} sent, ${counts.cancelled} cancelled`);
}

function printStatus(s: ApiOutput<'sync.status'>): void {
  const c = s.counts;
  console.log(`outbox: ${c.pending} pending, ${c.failed} waiting to retry, ${c.in_flight} in flight, ${c.dead} dead, ${c.sent} sent, ${c.cancelled} cancelled`);
  console.log(`last success: ${s.last_success ? `${s.last_success.sent_at} (${s.last_success.kind} #${s.last_success.id})` : 'none'}`);
  console.log(`last error:   ${s.last_error ? `${s.last_error.at} ${s.last_error.kind} #${s.last_error.id}: ${s.last_error.message}` : 'none'}`);
  if (s.offline_since) console.log(`offline since ${s.offline_since}`);
  if (s.psp_failures) console.log(`failures reported by the PSP after success: ${s.psp_failures}`);
  if (s.runner) console.log(`runner: ${s.runner.id} (heartbeat ${s.runner.heartbeat_at})`);
  if (s.config) console.log(`config: ${JSON.stringify(s.config)}`);
}

