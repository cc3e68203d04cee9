// What each entity ends up with from an order, line by line, and when each share leaves escrow.
// This is the settlement cut the way money moves: the release runs, escrow positions and
// dashboards all read these shares. An entity's payout for an order is the sum of its shares;
// its escrow at time T splits them by `release_at <= T` (docs/spec.md section 8).
import type { Minor } from './money.js';
import type { OrderSettlement } from './settlement-types.js';

export interface EntityShare {
  /** The line, or '' for the order's PSP fees. */
  line: string;
  entity: string;
  kind: 'line' | 'fee';
  amount: Minor;
  /** When the share leaves escrow; null while the line is not fulfilled (or cancelled). */
  release_at: string | null;
}

/** The earliest capture: PSP fees are taken, and count as released, when the money comes in. */
export function captureTime(os: Pick<OrderSettlement, 'created_at'>, capturedAts: readonly string[]): string {
  let first: string | null = null;
  for (const at of capturedAts) if (first === null || Date.parse(at) < Date.parse(first)) first = at;
  return first ?? os.created_at;
}

/**
 * Adds `amount` to an entity's sum. A function of the module rather than closures per order and
 * line: none to allocate, nor, compiled with esbuild's keepNames as tsx does, a defineProperty
 * each (docs/performance.md, fifth and sixth sessions of 2026-12-04).
 */
function addTo(sums: Map<string, Minor>, entity: string, amount: Minor): void {
  sums.set(entity, (sums.get(entity) ?? 0) + amount);
}

export function entityShares(os: OrderSettlement, capturedAt: string): EntityShare[] {
  const out: EntityShare[] = [];
  const fees = new Map<string, Minor>();
  for (const line of os.lines) {
    const byEntity = new Map<string, Minor>();
    addTo(byEntity, line.roles.owner, line.gross - line.detail.reversed_gross);
    for (const leg of line.legs) {
      if (leg.void !== null) continue;
      const moved = leg.amount - leg.reversed_amount + (leg.vat - leg.reversed_vat);
      addTo(byEntity, leg.to!, moved);
      addTo(byEntity, leg.from!, -moved);
    }
    for (const [entity, amount] of byEntity) {
      out.push({ line: line.id, entity, kind: 'line', amount, release_at: line.detail.release_at });
    }
    if (line.fee_share !== 0) addTo(fees, line.roles.owner, -line.fee_share);
    if (line.detail.fee_to_platform !== 0) addTo(fees, os.platform, -line.detail.fee_to_platform);
  }
  if (os.platform_fees !== 0) addTo(fees, os.platform, -os.platform_fees);
  for (const [entity, amount] of [...fees].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push({ line: '', entity, kind: 'fee', amount, release_at: capturedAt });
  }
  return out;
}

/** Held and released per entity at `atMs` (shares whose release time has passed are released). */
export function escrowAt(shares: readonly EntityShare[], atMs: number): Map<string, { held: Minor; released: Minor }> {
  const out = new Map<string, { held: Minor; released: Minor }>();
  for (const s of shares) {
    let e = out.get(s.entity);
    if (!e) out.set(s.entity, (e = { held: 0, released: 0 }));
    if (s.kind === 'fee' || (s.release_at !== null && Date.parse(s.release_at) <= atMs)) e.released += s.amount;
    else e.held += s.amount;
  }
  return out;
}
