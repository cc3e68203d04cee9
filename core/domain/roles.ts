// Roles of a line (docs/spec.md section 4): who owns, ships, hands over, covers the customer's area,
// secured the sale, and runs the platform. Owner and shipper follow the final fulfiller; pickup,
// catchment, origin and platform do not, so a seller found through them stays put on reroute.
import { ContextError, normalisePostcode, type LocationInfo, type SettlementContext } from './context.js';
import type { Line, Order } from './scenario.js';
import type { Roles } from './settlement-types.js';

/** The roles that depend on the order only (computed once per order). */
export interface OrderRoles {
  catchment: string | null;
  origin: string | null;
  platform: string;
}

export function locationOf(ctx: SettlementContext, id: string): LocationInfo {
  const l = ctx.locations.get(id);
  if (l === undefined) throw new ContextError(`unknown location ${JSON.stringify(id)}`);
  return l;
}

/** The location whose catchment prefix is the longest prefix of the postcode, if any. */
export function catchmentLocation(ctx: SettlementContext, postcode: string | null): string | null {
  if (postcode === null || ctx.catchmentLengths.length === 0) return null;
  const p = normalisePostcode(postcode);
  for (const len of ctx.catchmentLengths) {
    if (len > p.length) continue;
    const hit = ctx.catchments.get(p.slice(0, len));
    if (hit !== undefined) return hit;
  }
  return null;
}

export function orderRoles(ctx: SettlementContext, order: Order): OrderRoles {
  const catchLoc = catchmentLocation(ctx, order.customer_postcode ?? null);
  return {
    catchment: catchLoc === null ? null : locationOf(ctx, catchLoc).entity,
    origin: order.origin ? locationOf(ctx, order.origin).entity : null,
    platform: ctx.platform,
  };
}

/** Resolves every role of a line whose final fulfiller is `fulfiller`. */
export function lineRoles(ctx: SettlementContext, order: Order, line: Line, fulfiller: string, o: OrderRoles): Roles {
  const loc = locationOf(ctx, fulfiller);
  const pickup = line.delivery_mode === 'click_and_collect' && line.pickup_location ? locationOf(ctx, line.pickup_location).entity : null;
  let seller: string | null = null;
  if (order.channel === 'store' || order.channel === 'endless_aisle') {
    seller = o.origin;
  } else {
    for (const key of ctx.attribution) {
      const v = key === 'pickup' ? pickup : key === 'catchment' ? o.catchment : key === 'shipper' ? loc.operator : key === 'origin' ? o.origin : o.platform;
      if (v !== null) {
        seller = v;
        break;
      }
    }
  }
  return { owner: loc.entity, shipper: loc.operator, pickup, catchment: o.catchment, origin: o.origin, platform: o.platform, seller };
}
