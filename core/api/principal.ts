// Who is calling, and which entities they may see. Scope is checked in every handler, on both
// transports, not only in the UI (docs/spec.md invariant 7).
import type { Db } from '../store/db.js';
import { entitiesInRegions } from '../store/network-repo.js';
import { NETWORK_WIDE_ROLES, ROLES, type Role } from '../../common/vocabulary.js';
import { forbidden } from './errors.js';

export { ROLES, type Role };

export interface Principal {
  userId: string;
  name: string;
  role: Role;
  /** Regions a regional controller covers. */
  regions: readonly string[];
  /** Entities a store manager runs. */
  entities: readonly string[];
  /** A caller without a session (sign-in screen): only `public` operations are allowed. */
  anonymous?: boolean;
  /** The user's password was reset: only the auth.* self-service operations until changed. */
  mustChangePassword?: boolean;
  /**
   * An enrolled replica calling the hub (core/replication): it reaches the replication
   * operations only. Its role stands for its scope: store_manager for one entity, controller
   * for a region, finance for the whole network.
   */
  device?: { id: string; name: string; scope: string };
}

/** The operator at the command line of their own machine: head-office admin rights. */
export const SYSTEM_PRINCIPAL: Principal = { userId: 'system', name: 'command line', role: 'admin', regions: [], entities: [] };

/**
 * A caller with no session: the sign-in screen reached with the run token (HTTP) or an IPC
 * renderer not yet signed in. Its role is the narrowest and its scope empty, and `callApi`
 * refuses it every operation that is not `public`.
 */
export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({
  userId: 'anonymous', name: 'not signed in', role: 'store_manager', regions: [], entities: [], anonymous: true,
});

/** Roles that see the whole network. */
const NETWORK_WIDE: ReadonlySet<Role> = new Set(NETWORK_WIDE_ROLES);

/** The entity scope of one call, resolved lazily against the database. */
export class Scope {
  private cached: ReadonlySet<string> | null = null;

  /**
   * `limit` narrows the principal's scope to these entities: a command a replica pushed acts
   * within both its user's scope and its device's.
   */
  constructor(readonly principal: Principal, private readonly db: Db, private readonly limit: ReadonlySet<string> | null = null) {}

  get networkWide(): boolean {
    return NETWORK_WIDE.has(this.principal.role) && this.limit === null;
  }

  /** The entities in scope; `null` means every entity. */
  entities(): ReadonlySet<string> | null {
    if (this.networkWide) return null;
    if (this.cached) return this.cached;
    const p = this.principal;
    let own: ReadonlySet<string> | null;
    if (NETWORK_WIDE.has(p.role)) {
      own = null;
    } else if (p.role === 'controller') {
      own = new Set(entitiesInRegions(this.db, p.regions));
    } else {
      own = new Set(p.entities);
    }
    const limit = this.limit;
    this.cached = limit === null ? own! : new Set([...(own ?? limit)].filter((e) => limit.has(e)));
    return this.cached;
  }

  canSee(entity: string): boolean {
    const set = this.entities();
    return set === null || set.has(entity);
  }

  /** Throws `forbidden` unless the entity is in scope. */
  assertEntity(entity: string): void {
    if (!this.canSee(entity)) throw forbidden(`entity ${JSON.stringify(entity)} is outside your scope`);
  }

  /** Throws `forbidden` unless every entity is in scope (a write naming several entities). */
  assertEntities(entities: Iterable<string>): void {
    for (const e of entities) this.assertEntity(e);
  }

  /** The in-scope subset of a list, in its order: `filterEntities(rows, (r) => r.entity)`. */
  filterEntities<T>(items: readonly T[], entityOf: (item: T) => string | null | undefined = (i) => i as unknown as string): T[] {
    if (this.networkWide) return [...items];
    return items.filter((i) => {
      const e = entityOf(i);
      return e !== null && e !== undefined && this.canSee(e);
    });
  }

  /** The entities in scope as a list for SQL (`json_each(?)`), or null for every entity. */
  entityList(): string[] | null {
    const set = this.entities();
    return set === null ? null : [...set].sort();
  }

  /**
   * Which parties of a shared record (an order, whose lines involve several entities) the caller
   * may see amounts for: null for a network-wide role, else the in-scope parties. Throws
   * `forbidden` when no party is in scope: an order is visible to every entity holding a role
   * on one of its lines, and to no one else.
   */
  visibleParties(parties: Iterable<string | null | undefined>, what: string): ReadonlySet<string> | null {
    if (this.networkWide) return null;
    const mine = new Set<string>();
    for (const p of parties) if (p && this.canSee(p)) mine.add(p);
    if (mine.size === 0) throw forbidden(`${what} does not concern an entity in your scope`);
    return mine;
  }

  /**
   * Keeps an amount per entity only for visible entities: `{ LYON: 120, LILLE: 80 }` becomes
   * `{ LYON: 120 }` for Lyon's manager. `visible` comes from `visibleParties`.
   */
  maskByEntity<V>(record: Readonly<Record<string, V>>, visible: ReadonlySet<string> | null): Record<string, V> {
    if (visible === null) return { ...record };
    return Object.fromEntries(Object.entries(record).filter(([e]) => visible.has(e)));
  }

  /**
   * Whether a movement between two entities (a commission leg) may be shown: it explains the
   * viewer's own amount when the viewer pays or receives it. Other entities' legs stay hidden.
   */
  seesMovement(from: string | null | undefined, to: string | null | undefined, visible: ReadonlySet<string> | null): boolean {
    if (visible === null) return true;
    return (!!from && visible.has(from)) || (!!to && visible.has(to));
  }
}
