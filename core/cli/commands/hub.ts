import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { DB_OPTION, HELP_OPTION, UsageError, parseOptions } from '../command.js';
import { startServer } from '../../server/http.js';
import { startRoutingTimer } from '../../api/routing.js';
import { startBackgroundSync } from '../../sync/background.js';
import { CliFailure, InputFileError, openCliDatabase } from '../io.js';
import { isLoopback } from '../../replication/client.js';
import { isReplica } from '../../replication/installation.js';
import { flushActivity } from '../../replication/activity.js';
import { ensureChangeLog } from '../../store/change-triggers.js';
import { sealChanges } from '../../store/change-log-repo.js';
import { errorFields, logger } from '../../log/logger.js';
import { echoLogTo } from '../../log/file-log.js';

const hubLog = logger('hub');

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** HOST:PORT, [IPV6]:PORT or PORT. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text) ?? (/^\d{1,5}$/.test(text) ? [text, undefined, '0.0.0.0', text] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen ${text}: give HOST:PORT (0.0.0.0:8443, 127.0.0.1:8443, [::]:8443)`);
  return { host: m[1] ?? m[2]!, port };
}

export const hubCommand: Command = {
  name: 'hub',
  summary: 'Serve this database as the network\'s hub: the back office to remote users, the sync to replicas, over HTTPS',
  help: `Usage: ventil hub [--db PATH] [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]

The head office's installation, the system of record: serves the API and the back office to
remote users and to the replicas (store PCs, regional laptops) it enrolled (ventil devices),
over HTTPS. TLS is required except on a loopback address (127.0.0.1, ::1), for trials.
Like ventil serve, it runs the routing scheduler and the outbox to the PSP and ERP, and the
feeds run with ventil sync next to it. Prints "ready URL" once listening.
  --listen HOST:PORT  address to listen on (default 0.0.0.0:8443)
  --tls-cert FILE     the server certificate (PEM), with its chain
  --tls-key FILE      its private key (PEM)
docs/deployment.md: topology, sizing, backups, enrolment and revocation.`,
  async run(argv) {
    const { values } = parseOptions(argv, {
      ...DB_OPTION, ...HELP_OPTION, listen: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
    }, false);
    const { host, port } = parseListen(values.listen ?? '0.0.0.0:8443');
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new UsageError('give both --tls-cert and --tls-key');
    const read = (file: string) => {
      try {
        return readFileSync(file);
      } catch (e) {
        throw new InputFileError('file_unreadable', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    };
    const tls = values['tls-cert'] ? { cert: read(values['tls-cert']), key: read(values['tls-key']!) } : undefined;
    if (!tls && !isLoopback(host)) {
      throw new CliFailure({ code: 'tls_required', message: `a hub listening on ${host} serves over HTTPS: give --tls-cert FILE --tls-key FILE (plain HTTP only on a loopback address such as 127.0.0.1)` });
    }
    const { db, ctx, path } = openCliDatabase(values.db);
    if (isReplica(db)) {
      db.close();
      throw new CliFailure({ code: 'replica_cannot_be_hub', message: `${path} is a replica of another hub; a hub is the network's system of record` });
    }
    ensureChangeLog(db);
    const token = process.env.VENTIL_TOKEN ?? randomBytes(24).toString('base64url');
    // Its log records also go to the terminal (the log file is opened by core/cli/main.ts).
    echoLogTo(process.stderr);
    const routing = startRoutingTimer(db);
    const sync = await startBackgroundSync(db);
    let running;
    try {
      running = await startServer({ db, staticDir: join(repoRoot, 'out/renderer'), token, host, port, tls, hub: true });
    } catch (e) {
      routing.stop();
      await sync.stop();
      db.close();
      throw new CliFailure({ code: 'listen_failed', message: `cannot listen on ${values.listen ?? '0.0.0.0:8443'}: ${(e as Error).message}` });
    }
    // Dirty documents get their place in the log between pulls, so pulls rarely wait for it;
    // device activity is written down once a minute.
    const sealer = setInterval(() => { try { sealChanges(db, { wait: false }); } catch (e) { hubLog.error('sealing the change log failed', errorFields(e)); } }, 2_000);
    const activity = setInterval(() => { try { flushActivity(db); } catch (e) { hubLog.error('recording device activity failed', errorFields(e)); } }, 60_000);
    hubLog.info(`hub of ${path} on ${running.url}${tls ? ' (TLS)' : ''}`);
    console.log(`Ventil hub of ${path}${ctx.demo ? ' (demo)' : ''}`);
    console.log(`back office: ${running.url}/${isLoopback(host) ? `#token=${token}` : ''}`);
    console.log(`ready ${running.url}`);
    const stop = () => {
      hubLog.info('stopping');
      routing.stop();
      clearInterval(sealer);
      clearInterval(activity);
      void Promise.all([sync.stop(), running.close()]).then(() => { try { flushActivity(db); } finally { db.close(); process.exit(0); } });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return new Promise<number>(() => {});
  },
};
