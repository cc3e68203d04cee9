// The closed lists and the one table that both the core and the renderer use: user roles and the
// two sets of them the product names, the kinds and codes the API speaks in, and the currencies'
// minor-unit exponents. Isomorphic: no imports, no Node, no DOM (tsconfig.common.json compiles it
// with neither), so the renderer bundles it as it is.

// ---------------------------------------------------------------------------------------------
// Users (docs/security.md)

export const ROLES = ['admin', 'finance', 'controller', 'store_manager', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that see the whole network: head office, and the auditor who reads it. */
export const NETWORK_WIDE_ROLES: readonly Role[] = ['admin', 'finance', 'auditor'];

/** Head-office roles that change what head office owns: rules, release runs, the outbox, books. */
export const HEAD_OFFICE_WRITERS: readonly Role[] = ['admin', 'finance'];

// ---------------------------------------------------------------------------------------------
// The network and its orders (docs/formats.md)

export const ENTITY_KINDS = ['franchisor', 'franchisee', 'subsidiary', '3pl', 'other'] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

export const LOCATION_KINDS = ['store', 'warehouse', 'dark_store'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

export const CHANNELS = ['web', 'app', 'phone', 'store', 'endless_aisle'] as const;
export const DELIVERY_MODES = ['home_delivery', 'click_and_collect', 'ship_from_store', 'in_store'] as const;
export const LINE_KINDS = ['goods', 'shipping', 'service'] as const;

/** Roles a leg may name in `to` and `from` (besides `entity:<id>`). */
export const LEG_ROLES = ['owner', 'shipper', 'pickup', 'catchment', 'origin', 'platform', 'seller'] as const;

/** Keys of `web_attribution`, tried in order for web, app and phone orders. */
export const ATTRIBUTION_KEYS = ['pickup', 'catchment', 'shipper', 'origin', 'platform'] as const;

export const LINE_STATUSES = ['pending', 'accepted', 'shipped', 'delivered', 'collected', 'fulfilled', 'cancelled', 'returned'] as const;

/** Why a location refused a line; `timeout` is written by the routing scheduler, never chosen. */
export const REFUSAL_REASONS = ['no_stock', 'damaged', 'capacity', 'timeout', 'other'] as const;
/** The reasons a person may give in the fulfilment inbox. */
export const INBOX_REFUSAL_REASONS = ['no_stock', 'damaged', 'capacity', 'other'] as const;

export const OUTBOX_STATUSES = ['pending', 'in_flight', 'sent', 'failed', 'dead', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

// ---------------------------------------------------------------------------------------------
// Currencies (docs/spec.md section 3)

/** ISO 4217 minor-unit exponents that are not 2. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** The exponent of a currency's minor unit: EUR 2, JPY 0, BHD 3; any other code 2. */
export function minorUnitExponent(currency: string): number {
  return Object.hasOwn(CURRENCY_EXPONENTS, currency) ? CURRENCY_EXPONENTS[currency]! : 2;
}
