import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { DB_OPTION, HELP_OPTION, UsageError, parseOptions } from '../command.js';
import { seedDemo } from '../../demo/seed.js';
import { startServer } from '../../server/http.js';
import { startRoutingTimer } from '../../api/routing.js';
import { startBackgroundSync } from '../../sync/background.js';
import { openCliDatabase } from '../io.js';
import { userDataDir } from '../paths.js';
import { logger } from '../../log/logger.js';
import { echoLogTo } from '../../log/file-log.js';
import { startReplicaSync } from '../../replication/background.js';
import { fileCredentialStore } from '../../replication/credentials.js';

const serverLog = logger('server');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the back office and its API to a browser on 127.0.0.1',
  help: `Usage: ventil serve [--db PATH] [--demo] [--port N] [--host 127.0.0.1]

Serves the built renderer (npm run build) and the API over HTTP on the loopback interface,
for browsers where no desktop runtime exists. Open the address printed at start: it carries
the run token (VENTIL_TOKEN sets it), which only reaches the sign-in screen; every other call
needs a user's session (docs/security.md). Requests from other origins are refused. The
routing scheduler and the outbox to the PSP run in the background; on a replica (ventil join),
the sync with its hub instead.
  --demo      use the demo database (created on first use) unless --db is given
  --port N    port to listen on (default 5174; 0 picks a free one)
  --host H    loopback address to bind (127.0.0.1 or ::1)`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      ...DB_OPTION, ...HELP_OPTION, demo: { type: 'boolean' }, port: { type: 'string' }, host: { type: 'string' },
    }, false);
    const host = values.host ?? '127.0.0.1';
    if (!['127.0.0.1', '::1', 'localhost'].includes(host)) throw new UsageError('ventil serve only binds to the loopback interface (127.0.0.1 or ::1)');
    const port = values.port === undefined ? 5174 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port} is not a port number`);
    const dbFlag = values.db ?? (values.demo ? join(userDataDir(), 'ventil-demo.db') : undefined);
    const { db, ctx, path } = openCliDatabase(dbFlag);
    if (values.demo) seedDemo(ctx);
    const token = process.env.VENTIL_TOKEN ?? randomBytes(24).toString('base64url');
    // Its log records also go to the terminal (the log file is opened by core/cli/main.ts).
    echoLogTo(process.stderr);
    // The routing scheduler: offers lines to stores and turns missed deadlines into timeouts.
    const routing = startRoutingTimer(db);
    // The outbox runner: transfers and ERP batches leave as soon as the PSP is reachable.
    const sync = await startBackgroundSync(db);
    // A replica's (or a database joining a network from its first screen): push and pull.
    const replication = startReplicaSync(db, { credentials: fileCredentialStore(path) });
    const running = await startServer({ db, staticDir: join(repoRoot, 'out/renderer'), token, host, port });
    serverLog.info(`serving ${path} on ${running.url}${ctx.demo ? ' (demo)' : ''}`);
    console.log(`Ventil is serving ${path}${ctx.demo ? ' (demo)' : ''}`);
    console.log(`open ${running.url}/#token=${token}`);
    console.log(`ready ${running.url}`);
    const stop = () => {
      serverLog.info('stopping');
      routing.stop();
      void Promise.all([sync.stop(), replication.stop(), running.close()]).then(() => { db.close(); process.exit(0); });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise<number>(() => {}); // runs until stopped
  },
};
