// Escrow (docs/spec.md section 8): captured money sits in the platform's escrow account. A line's
// shares are released `return_window_days` after the line is delivered or collected (in-store
// sales: after created_at); until then they are held. PSP fee shares count as released at capture,
// since the PSP takes them then, which is why a fee bearer's `released` can be negative.
import type { Minor } from './money.js';
import type { EscrowShare } from './settlement-types.js';

/** When a line's shares leave escrow, in epoch ms (NaN: not yet known). */
export function releaseMs(releaseFromMs: number, windowMs: number): number {
  return releaseFromMs + windowMs;
}

/** Held and released amounts per entity for one order. */
export class EscrowBook {
  private readonly shares = new Map<string, EscrowShare>();

  private share(entity: string): EscrowShare {
    let s = this.shares.get(entity);
    if (s === undefined) {
      s = { held: 0, released: 0 };
      this.shares.set(entity, s);
    }
    return s;
  }

  /** Adds a line's share (released when the line's release time has passed). */
  add(entity: string, amount: Minor, released: boolean): void {
    const s = this.share(entity);
    if (released) s.released += amount;
    else s.held += amount;
  }

  /** Makes sure an entity is listed, even with nothing. */
  touch(entity: string): void {
    this.share(entity);
  }

  get(entity: string): EscrowShare {
    return this.shares.get(entity) ?? { held: 0, released: 0 };
  }

  /** The entities listed, sorted by code point. */
  sortedEntities(): string[] {
    return Array.from(this.shares.keys()).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
