// Who is calling, and which entities they may see. Scope is checked in every handler, on both
// transports, not only in the UI (SPEC.md invariant 7).
import type { Sqlite } from '../store/sqlite.js';
import { forbidden } from './errors.js';

export type Role = 'admin' | 'finance' | 'controller' | 'store_manager' | 'auditor';
export const ROLES: readonly Role[] = ['admin', 'finance', 'controller', 'store_manager', 'auditor'];

export interface Principal {
  userId: string;
  name: string;
  role: Role;
  /** Regions a regional controller covers. */
  regions: readonly string[];
  /** Entities a store manager runs. */
  entities: readonly string[];
}

/** The operator at the command line of their own machine: head-office admin rights. */
export const SYSTEM_PRINCIPAL: Principal = { userId: 'system', name: 'command line', role: 'admin', regions: [], entities: [] };

/** Roles that see the whole network. */
const NETWORK_WIDE: ReadonlySet<Role> = new Set(['admin', 'finance', 'auditor']);

/** The entity scope of one call, resolved lazily against the database. */
export class Scope {
  private cached: ReadonlySet<string> | null = null;

  constructor(readonly principal: Principal, private readonly db: Sqlite) {}

  get networkWide(): boolean {
    return NETWORK_WIDE.has(this.principal.role);
  }

  /** The entities in scope; `null` means every entity. */
  entities(): ReadonlySet<string> | null {
    if (this.networkWide) return null;
    if (this.cached) return this.cached;
    const p = this.principal;
    if (p.role === 'controller') {
      const rows = p.regions.length === 0 ? [] : (this.db
        .prepare(`SELECT id FROM entities WHERE region IN (${p.regions.map(() => '?').join(',')})`)
        .all(...p.regions) as { id: string }[]);
      this.cached = new Set(rows.map((r) => r.id));
    } else {
      this.cached = new Set(p.entities);
    }
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
}
