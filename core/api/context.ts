// Building the context a handler runs in: the database, who is calling, and the clock.
import type { Db } from '../store/db.js';
import { isDemoNetwork } from '../store/network-repo.js';
import type { ApiContext, SessionInfo } from './handler.js';
import { Scope, SYSTEM_PRINCIPAL, type Principal } from './principal.js';
import { installationOf } from '../replication/installation.js';

/**
 * Without a principal the context is the command-line operator's (SYSTEM_PRINCIPAL): the
 * transports (HTTP, IPC) always pass the principal of the session, or ANONYMOUS_PRINCIPAL.
 */
export function createContext(db: Db, opts: {
  principal?: Principal; now?: () => Date; session?: SessionInfo | null; source?: string; wait?: (ms: number) => Promise<void>;
  scopeLimit?: readonly string[];
} = {}): ApiContext {
  const principal = opts.principal ?? SYSTEM_PRINCIPAL;
  const demo = isDemoDatabase(db);
  return {
    db, principal, scope: new Scope(principal, db, opts.scopeLimit ? new Set(opts.scopeLimit) : null), now: opts.now ?? (() => new Date()), demo,
    session: opts.session ?? null,
    source: opts.source ?? 'local',
    ...(opts.wait ? { wait: opts.wait } : {}),
    installation: installationOf(db),
    // callApi replaces this with the collector of the call's audit row.
    audit: () => {},
  };
}

/** The demo database carries `demo: true` in its settings; every screen says so. */
export function isDemoDatabase(db: Db): boolean {
  return isDemoNetwork(db);
}
