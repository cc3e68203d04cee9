// The database every scope case runs against: network-basic.json imported through the API,
// one signed-in user per role (the store manager runs LYON, the controller covers AURA, i.e.
// LYON and VILL), and a store manager of LILLE whose data must stay out of everyone's sight
// but head office's. LILLE (region HDF) is outside both scoped users' scope.
import { authenticateSession } from '../../core/api/auth.js';
import { createContext } from '../../core/api/context.js';
import type { ApiContext, SessionInfo } from '../../core/api/handler.js';
import { callApi } from '../../core/api/index.js';
import { ANONYMOUS_PRINCIPAL, ROLES, type Principal, type Role } from '../../core/api/principal.js';
import type { Db } from '../../core/store/db.js';
import { FROZEN_NOW, memoryDb, readExample } from '../helpers/db.js';

export interface SignedInUser { id: string; login: string; principal: Principal; session: SessionInfo }

export interface ScopeFixture {
  db: Db;
  now: Date;
  /** The store manager's entity, in the controller's region. */
  ownEntity: string;
  ownRegion: string;
  /** An entity of another region: outside the store manager's and the controller's scope. */
  otherEntity: string;
  otherRegion: string;
  /** An order none of whose parties is in `ownRegion`, and one of its lines. */
  otherOrder: { id: string; line: string };
  /** An order `ownEntity` is a party to, and one of its lines. */
  ownOrder: { id: string; line: string };
  /** One signed-in user per role. */
  users: Record<Role, SignedInUser>;
  /** A store manager of `otherEntity` (not signed in): the user every admin case names. */
  otherUser: { id: string; login: string };
  /** An outbox row of `otherEntity` (status dead). */
  otherOutboxId: number;
  /** The network-basic scenario, for head-office import cases. */
  scenario: unknown;
  /** A context for the principal (a fresh Scope, the frozen clock). */
  context(principal: Principal, session?: SessionInfo | null): ApiContext;
}

export const PASSWORD = 'scope-fixture-password';

function must<T>(r: ReturnType<typeof callApi>, what: string): T {
  if (!r.ok) throw new Error(`fixture: ${what} failed: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

export function buildScopeFixture(): ScopeFixture {
  const db = memoryDb();
  const now = FROZEN_NOW;
  const context = (principal: Principal, session: SessionInfo | null = null) => createContext(db, { principal, session, now: () => now });
  const system = createContext(db, { now: () => now });
  const scenario = readExample('network-basic.json');
  must(callApi(system, 'scenario.import', { scenario, source: 'scope-fixture' }), 'scenario.import');

  const ownEntity = 'LYON';
  const ownRegion = 'AURA';
  const otherEntity = 'LILLE';
  const otherRegion = 'HDF';
  const regionOf = (e: string) => (db.prepare('SELECT region FROM entities WHERE id = ?').pluck().get(e) as string | null);
  if (regionOf(ownEntity) !== ownRegion || regionOf(otherEntity) !== otherRegion) throw new Error('fixture: network-basic.json changed its regions');

  const inRegion = new Set(db.prepare('SELECT id FROM entities WHERE region = ?').pluck().all(ownRegion) as string[]);
  const parties = db.prepare('SELECT order_id, entity FROM order_parties ORDER BY order_id').all() as { order_id: string; entity: string }[];
  const byOrder = new Map<string, string[]>();
  for (const p of parties) byOrder.set(p.order_id, [...(byOrder.get(p.order_id) ?? []), p.entity]);
  const firstLine = (order: string) => db.prepare('SELECT line_id FROM order_lines WHERE order_id = ? ORDER BY seq LIMIT 1').pluck().get(order) as string;
  const otherId = [...byOrder].find(([, es]) => es.every((e) => !inRegion.has(e)))?.[0];
  const ownId = [...byOrder].find(([, es]) => es.includes(ownEntity))?.[0];
  if (!otherId || !ownId) throw new Error('fixture: network-basic.json no longer has an order outside AURA and one of LYON');

  const scopeOf = (role: Role) => ({
    regions: role === 'controller' ? [ownRegion] : [],
    entities: role === 'store_manager' ? [ownEntity] : [],
  });
  const users = {} as Record<Role, SignedInUser>;
  const anonymous = context(ANONYMOUS_PRINCIPAL);
  for (const role of ROLES) {
    const login = `scope-${role}`;
    must(callApi(system, 'users.create', { name: `Scope ${role}`, login, role, ...scopeOf(role), password: PASSWORD, must_change_password: false }), `users.create ${role}`);
    const signed = must<{ token: string; user: { id: string } }>(callApi(anonymous, 'auth.login', { login, password: PASSWORD }), `auth.login ${role}`);
    const s = authenticateSession(db, signed.token, now);
    if (!s.ok) throw new Error(`fixture: session of ${role} did not resolve`);
    users[role] = { id: signed.user.id, login, principal: s.principal, session: s.session };
  }
  const other = must<{ id: string; login: string }>(callApi(system, 'users.create', {
    name: 'Lille manager', login: 'lille-manager', role: 'store_manager', entities: [otherEntity], password: PASSWORD, must_change_password: false,
  }), 'users.create lille-manager');

  // An outbox row of the other entity (the sync area writes these when money moves).
  const at = now.toISOString();
  const otherOutboxId = db.prepare(`INSERT INTO outbox (kind, target, idempotency_key, entity, payload_json, payload_hash, status, attempts, next_attempt_at, created_at, updated_at, last_error)
    VALUES ('psp.transfer', 'psp', 'scope-fixture-transfer-lille', ?, '{}', 'x', 'dead', 8, ?, ?, ?, 'scope fixture') RETURNING id`).pluck().get(otherEntity, at, at, at) as number;

  return {
    db, now, ownEntity, ownRegion, otherEntity, otherRegion,
    otherOrder: { id: otherId, line: firstLine(otherId) }, ownOrder: { id: ownId, line: firstLine(ownId) },
    users, otherUser: { id: other.id, login: other.login }, otherOutboxId, scenario, context,
  };
}
