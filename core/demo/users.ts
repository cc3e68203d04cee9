// The demo accounts: one per role, with published passwords shown on the demo's sign-in
// screen (`auth.demoUsers`). They exist only on a database marked as demo; a real database
// starts with `auth.setup` and never has a default password (docs/security.md).
import { isReplica } from '../replication/installation.js';
import type { Role } from '../api/principal.js';
import { hashPassword } from '../security/passwords.js';
import { appendAudit } from '../store/audit-repo.js';
import * as users from '../store/users-repo.js';
import { firstRegionalFranchisee, isDemoNetwork } from '../store/network-repo.js';
import type { Db } from '../store/db.js';

export interface DemoUser { login: string; password: string; role: Role; name: string }

/** Documented in docs/security.md; safe only because the demo holds invented data. */
export const DEMO_USERS: readonly DemoUser[] = [
  { login: 'admin', password: 'demo-admin-2026', role: 'admin', name: 'Alice Admin (démo)' },
  { login: 'finance', password: 'demo-finance-2026', role: 'finance', name: 'Fanny Finance (démo)' },
  { login: 'controller', password: 'demo-controller-2026', role: 'controller', name: 'Claude Contrôle (démo)' },
  { login: 'store', password: 'demo-store-2026', role: 'store_manager', name: 'Sam Magasin (démo)' },
  { login: 'auditor', password: 'demo-auditor-2026', role: 'auditor', name: 'Audrey Audit (démo)' },
];

/**
 * Creates the missing demo accounts on a demo database (idempotent; does nothing elsewhere).
 * The store manager runs the first franchisee that has a region; the controller covers that
 * region. Returns the logins created.
 */
export function ensureDemoUsers(db: Db, now: Date = new Date()): string[] {
  // A replica's users are the hub's.
  if (!isDemoNetwork(db) || isReplica(db)) return [];
  const missing = DEMO_USERS.filter((d) => !users.getUserByLogin(db, d.login));
  if (missing.length === 0) return [];
  const store = firstRegionalFranchisee(db);
  const created: string[] = [];
  db.transaction(() => {
    for (const d of missing) {
      const regions = d.role === 'controller' && store ? [store.region] : [];
      const entities = d.role === 'store_manager' && store ? [store.id] : [];
      users.insertUser(db, {
        name: d.name, login: d.login, role: d.role, regions, entities,
        password_hash: hashPassword(d.password), must_change_password: false, now: now.toISOString(),
      });
      created.push(d.login);
    }
    appendAudit(db, {
      at: now.toISOString(), actor: { id: 'system', name: 'demo setup', role: 'admin' }, operation: 'demo.createUsers', outcome: 'ok',
      entities: store ? [store.id] : [], input: { logins: created },
    });
  }).immediate();
  return created;
}
