// The `ventil.scenario/1` input (docs/formats.md): its zod schema, the TypeScript types the engine
// works on, and validation that reports every problem with its JSON path before anything is
// settled or stored. Structure and field formats are checked by the schema; references,
// duplicates, totals and event histories by `reference-checks.ts`, on the raw input, so that one
// broken field does not hide the problems elsewhere.
import { z } from 'zod';
import { ATTRIBUTION_KEYS, CHANNELS, DELIVERY_MODES, ENTITY_KINDS, LEG_ROLES, LINE_KINDS, LOCATION_KINDS, REFUSAL_REASONS } from '../../common/vocabulary.js';
import { Code, ExternalId, GroupName, identifier } from './identifier.js';
import { isDecimalString, isUnitRateString } from './money.js';
import { checkEvents, checkReferences, indexKnownOrders, type KnownOrder } from './reference-checks.js';
import { isValidSiren } from './siren.js';
import { isDate, isTimestamp } from './time.js';
import { DEFAULT_TIME_ZONE, isTimeZone } from './time-zone.js';

// ---------------------------------------------------------------------------------------------
// Issues

/** One problem in an input, with the JSON path of the offending value. */
export interface Issue {
  path: string;
  code: string;
  message: string;
}

/** Thrown when an input is refused; carries every issue found. */
export class ValidationError extends Error {
  readonly code = 'invalid_input';
  constructor(readonly issues: Issue[], message?: string) {
    super(message ?? `invalid input: ${issues.length} problem(s)\n${issues.map((i) => `${i.path || '(root)'}: ${i.message} [${i.code}]`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

export type ValidationResult<T, K extends string> =
  | ({ ok: true; issues?: undefined } & { [P in K]: T })
  | { ok: false; issues: Issue[] };

/** `orders[3].lines[0].vat_rate` from zod's path segments. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Field formats

const code = (c: string) => ({ params: { code: c } });

// Every id goes through the one identifier schema (./identifier.ts): NFC, no invisible,
// control or bidirectional characters, no lone surrogates.
/** Entities, locations and rules: Ventil's own codes. */
const Id = Code;
/** Line ids: text, or an integer written as a JSON number (read as its decimal text). */
const LineId = z.preprocess((v) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? String(v) : v), ExternalId);
const RuleId = Code;
const RuleGroup = identifier({ max: 64, pattern: { re: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, message: 'letters, digits, and _ . - (at most 64)' } });

const Currency = z.string().regex(/^[A-Z]{3}$/, { message: 'an ISO 4217 code such as EUR', ...code('invalid_currency') });
const Timestamp = z.string().refine(isTimestamp, { message: 'not an ISO 8601 UTC time such as 2026-03-02T09:15:00Z', ...code('invalid_time') });
const DateOrTime = z.string().refine((s) => isDate(s) || isTimestamp(s), { message: 'not a date such as 2026-01-01', ...code('invalid_time') });
const FxDate = z.string().refine(isDate, { message: 'not a date such as 2026-01-01', ...code('invalid_time') });

/** A rate: decimal string in [0, 1]. */
const RateText = z.string().superRefine((s, ctx) => {
  if (!isDecimalString(s)) ctx.addIssue({ code: 'custom', message: `not a decimal string: ${JSON.stringify(s)} (write rates like "0.20")`, params: { code: 'invalid_rate' } });
  else if (!isUnitRateString(s)) ctx.addIssue({ code: 'custom', message: `rate ${s} is outside [0, 1]`, params: { code: 'invalid_rate' } });
});
/** An exchange rate: positive decimal string. */
const FxRateText = z.string().refine((s) => isDecimalString(s) && /[1-9]/.test(s), { message: 'not a positive decimal string', ...code('invalid_rate') });

/** Amounts in minor units: safe integers. */
const NonNegAmount = z.number().superRefine((v, ctx) => {
  if (!Number.isSafeInteger(v)) ctx.addIssue({ code: 'custom', message: 'not an integer amount in minor units', params: { code: 'invalid_amount' } });
  else if (v < 0) ctx.addIssue({ code: 'custom', message: 'must not be negative', params: { code: 'invalid_amount' } });
});
const Quantity = z.number().refine((v) => Number.isSafeInteger(v) && v > 0, { message: 'quantity must be a positive integer', ...code('invalid_quantity') });

const Siren = z.string().superRefine((s, ctx) => {
  if (!/^\d{9}$/.test(s)) ctx.addIssue({ code: 'custom', message: 'SIREN must be exactly 9 digits', params: { code: 'invalid_siren' } });
  else if (!isValidSiren(s)) ctx.addIssue({ code: 'custom', message: `SIREN ${s} fails the Luhn check`, params: { code: 'invalid_siren' } });
});

// ---------------------------------------------------------------------------------------------
// Enumerations

// The lists the renderer also uses live in common/vocabulary.ts; `ROLES` here are a leg's roles.
export { CHANNELS, DELIVERY_MODES, LINE_KINDS, ENTITY_KINDS, LOCATION_KINDS, LEG_ROLES as ROLES, ATTRIBUTION_KEYS, REFUSAL_REASONS };
export const EVENT_TYPES = [
  'fulfilment_accepted', 'fulfilment_refused', 'line_shipped', 'line_delivered', 'line_collected',
  'line_cancelled', 'line_returned',
] as const;

export type Channel = (typeof CHANNELS)[number];
export type DeliveryMode = (typeof DELIVERY_MODES)[number];
export type LineKind = (typeof LINE_KINDS)[number];
export type Role = (typeof LEG_ROLES)[number];
export type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];
export type EventType = (typeof EVENT_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Network

export const EntitySchema = z.strictObject({
  id: Id,
  name: z.string().min(1),
  kind: z.enum(ENTITY_KINDS),
  siren: Siren,
  vat_number: z.string().min(1).nullable().default(null),
  region: GroupName.nullable().default(null),
  psp_account: z.string().min(1).nullable().default(null),
  erp_code: z.string().min(1).nullable().default(null),
  fiscal_year_end: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'MM-DD', ...code('invalid_date') })
    .refine((s) => isDate(`2024-${s}`), { message: 'not a day of the year', ...code('invalid_date') })
    .default('12-31'),
  currency: Currency.default('EUR'),
  /** Where the entity's days are cut (books, periods, dashboard): an IANA time zone name. */
  time_zone: z.string().refine(isTimeZone, { message: 'an IANA time zone such as Europe/Paris, America/Martinique or Indian/Reunion', ...code('invalid_time_zone') })
    .default(DEFAULT_TIME_ZONE),
  /** Posting granularity of its books: an entry per order and event, or per journal, day and account set. */
  posting: z.enum(['detail', 'daily']).default('detail'),
});

export const LocationSchema = z.strictObject({
  id: Id,
  entity: Id,
  operator: Id.nullable().optional(),
  kind: z.enum(LOCATION_KINDS),
  postcode: z.string().min(1).nullable().default(null),
  ship: z.boolean(),
  collect: z.boolean(),
});

export const CatchmentSchema = z.strictObject({
  postcode_prefix: z.string().regex(/^[0-9A-Za-z]{1,10}$/, { message: 'digits or letters, 1 to 10', ...code('invalid_postcode') }),
  location: Id,
});

export const FxRateSchema = z.strictObject({ date: FxDate, from: Currency, to: Currency, rate: FxRateText });

export const NetworkSchema = z.strictObject({
  name: z.string().min(1).optional(),
  platform_entity: Id,
  commission_vat_rate: RateText.default('0.20'),
  return_window_days: z.number().int().min(0).max(3650).default(14),
  psp_fee_bearer: z.enum(['platform', 'owners_pro_rata']).default('platform'),
  web_attribution: z.array(z.enum(ATTRIBUTION_KEYS)).min(1).default(['pickup', 'catchment', 'platform']),
  offer_deadline_hours: z.number().positive().default(24),
  after_release_recovery: z.enum(['net', 'reverse']).default('net'),
  /** The billing mandate: the platform issues (self-bills) the invoices of every supplier, of none, or of those listed. */
  self_billing: z.union([z.enum(['all', 'none']), z.array(Id)]).default('all'),
  /** Per currency, in minor units: a release run paying out more needs a second person's approval. */
  release_approval_threshold: z.record(Currency, NonNegAmount).default({}),
  /** Days between release runs: the payout schedule stores are shown. */
  release_interval_days: z.number().int().min(1).max(92).default(7),
  fx_rates: z.array(FxRateSchema).default([]),
  entities: z.array(EntitySchema).min(1),
  locations: z.array(LocationSchema).default([]),
  catchments: z.array(CatchmentSchema).default([]),
});

// ---------------------------------------------------------------------------------------------
// Rules

export const WhenSchema = z.strictObject({
  channel: z.array(z.enum(CHANNELS)).optional(),
  delivery_mode: z.array(z.enum(DELIVERY_MODES)).optional(),
  kind: z.array(z.enum(LINE_KINDS)).optional(),
  category: z.array(z.string()).optional(),
  seller: z.array(z.string()).optional(),
  owner: z.array(z.string()).optional(),
  seller_region: z.array(z.string()).optional(),
  owner_region: z.array(z.string()).optional(),
  seller_is_owner: z.boolean().optional(),
});

export const LegSchema = z.strictObject({
  to: z.string().min(1),
  from: z.string().min(1).default('owner'),
  rate: RateText.default('0'),
  base: z.enum(['net', 'gross']).default('net'),
  per_unit: NonNegAmount.default(0),
  min: NonNegAmount.nullable().default(null),
  max: NonNegAmount.nullable().default(null),
});

export const RuleSchema = z.strictObject({
  id: RuleId,
  version: z.number().int().min(1),
  group: RuleGroup,
  priority: z.number().int(),
  valid_from: DateOrTime,
  valid_to: DateOrTime.nullable().default(null),
  name: z.string().optional(),
  description: z.string().optional(),
  when: WhenSchema.default({}),
  legs: z.array(LegSchema).default([]),
});

// ---------------------------------------------------------------------------------------------
// Orders

export const LineSchema = z.strictObject({
  id: LineId,
  sku: z.string().nullable().optional(),
  name: z.string().optional(),
  category: z.string().min(1).nullable().default(null),
  kind: z.enum(LINE_KINDS).default('goods'),
  quantity: Quantity,
  unit_price: NonNegAmount,
  discount: NonNegAmount.default(0),
  vat_rate: RateText,
  delivery_mode: z.enum(DELIVERY_MODES),
  candidates: z.array(Id).min(1),
  pickup_location: Id.nullable().default(null),
});

export const PaymentSchema = z.strictObject({
  id: ExternalId,
  method: z.string().min(1).default('card'),
  amount: NonNegAmount,
  psp_fee: NonNegAmount.default(0),
  captured_at: Timestamp,
});

export const OrderSchema = z.strictObject({
  id: ExternalId,
  channel: z.enum(CHANNELS),
  origin: Id.nullable().default(null),
  customer_postcode: z.string().min(1).nullable().default(null),
  created_at: Timestamp,
  currency: Currency,
  discount: NonNegAmount.default(0),
  lines: z.array(LineSchema).min(1),
  payments: z.array(PaymentSchema).default([]),
});

// ---------------------------------------------------------------------------------------------
// Events

const eventBase = { id: ExternalId.optional(), order: ExternalId, line: LineId, at: Timestamp };

export const FulfilmentAcceptedSchema = z.strictObject({ type: z.literal('fulfilment_accepted'), ...eventBase, location: Id });
export const FulfilmentRefusedSchema = z.strictObject({ type: z.literal('fulfilment_refused'), ...eventBase, location: Id, reason: z.enum(REFUSAL_REASONS) });
export const LineShippedSchema = z.strictObject({ type: z.literal('line_shipped'), ...eventBase });
export const LineDeliveredSchema = z.strictObject({ type: z.literal('line_delivered'), ...eventBase });
export const LineCollectedSchema = z.strictObject({ type: z.literal('line_collected'), ...eventBase });
export const LineCancelledSchema = z.strictObject({ type: z.literal('line_cancelled'), ...eventBase });
export const LineReturnedSchema = z.strictObject({ type: z.literal('line_returned'), ...eventBase, quantity: Quantity, location: Id.nullable().optional() });

export const LifecycleEventSchema = z.discriminatedUnion('type', [
  FulfilmentAcceptedSchema, FulfilmentRefusedSchema, LineShippedSchema, LineDeliveredSchema,
  LineCollectedSchema, LineCancelledSchema, LineReturnedSchema,
]);

// ---------------------------------------------------------------------------------------------
// Scenario

export const SCENARIO_FORMAT = 'ventil.scenario/1';

/** The `format` field, required: a file without it is refused with the value it must have. */
const Format = z.unknown().superRefine((v, ctx) => {
  if (v === SCENARIO_FORMAT) return;
  ctx.addIssue(v === undefined
    ? { code: 'custom', message: `the format is missing: write "format": "${SCENARIO_FORMAT}"`, params: { code: 'missing_field' } }
    : { code: 'custom', message: `format must be "${SCENARIO_FORMAT}", not ${JSON.stringify(v)?.slice(0, 100)}`, params: { code: 'invalid_format' } });
}).transform(() => SCENARIO_FORMAT as typeof SCENARIO_FORMAT);

const scenarioFields = {
  format: Format,
  network: NetworkSchema,
  rules: z.array(RuleSchema).default([]),
  orders: z.array(OrderSchema).default([]),
};

/** The whole `ventil.scenario/1` object, events included (for typing and documentation). */
export const ScenarioSchema = z.strictObject({ ...scenarioFields, events: z.array(LifecycleEventSchema).default([]) });
/** The scenario without its events, which are validated one by one (see validateEvents). */
const ScenarioShape = z.strictObject({ ...scenarioFields, events: z.array(z.unknown()).default([]) });

/** An events-only file (`ventil events FILE`). */
export const EventsFileSchema = z.strictObject({
  format: Format,
  events: z.array(z.unknown()),
});

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Network = z.output<typeof NetworkSchema>;
export type Entity = z.output<typeof EntitySchema>;
export type Location = z.output<typeof LocationSchema>;
export type Catchment = z.output<typeof CatchmentSchema>;
export type FxRate = z.output<typeof FxRateSchema>;
export type Rule = z.output<typeof RuleSchema>;
export type When = z.output<typeof WhenSchema>;
export type Leg = z.output<typeof LegSchema>;
export type Order = z.output<typeof OrderSchema>;
export type Line = z.output<typeof LineSchema>;
export type Payment = z.output<typeof PaymentSchema>;
export type LifecycleEvent = z.output<typeof LifecycleEventSchema>;
export type FulfilmentAccepted = z.output<typeof FulfilmentAcceptedSchema>;
export type FulfilmentRefused = z.output<typeof FulfilmentRefusedSchema>;
export type LineReturned = z.output<typeof LineReturnedSchema>;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

// ---------------------------------------------------------------------------------------------
// Validation

/** Turns zod issues into Ventil issues: our codes (from `params.code`), readable paths. */
export function zodToIssues(error: z.ZodError, prefix = ''): Issue[] {
  const out: Issue[] = [];
  for (const i of error.issues) {
    const path = formatPath(i.path, prefix);
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) out.push({ path: formatPath([...i.path, key], prefix), code: 'unknown_field', message: `unknown field "${key}"` });
      continue;
    }
    if (i.code === 'invalid_union' && (i as { note?: string }).note === 'No matching discriminator') {
      out.push({ path, code: 'unknown_event_type', message: `unknown event type; expected one of ${EVENT_TYPES.join(', ')}` });
      continue;
    }
    const params = (i as { params?: { code?: string } }).params;
    let c: string = params?.code ?? i.code;
    let message = i.message;
    if (i.code === 'invalid_type' && /received undefined/.test(i.message)) {
      c = 'missing_field';
      message = 'required field is missing';
    }
    out.push({ path, code: c, message });
  }
  return out;
}

/** Who the events of an events file may refer to: the orders already known (stored). */
export interface KnownContext {
  /** Orders the events may name (at least id and, per line, id, quantity and candidates). */
  orders: Iterable<KnownOrder>;
  /** Events already applied to those orders: they count towards returned quantities and duplicates. */
  priorEvents?: Iterable<LifecycleEvent>;
  /** Known location ids; when given, a return's `location` must be one of them. */
  locations?: Iterable<string>;
}
export type { KnownOrder };

/**
 * Validates a list of lifecycle events against known orders. Reports schema problems, unknown
 * event types, unknown orders and lines, fulfilment locations that are not among the line's
 * candidates, ids reused with another content, and returns of more units than sold, cumulated
 * with `known.priorEvents`. Paths are `events[i]...` (or `prefix[i]...`).
 */
export function validateEvents(events: unknown, known: KnownContext, prefix = 'events'): ValidationResult<LifecycleEvent[], 'events'> {
  if (!Array.isArray(events)) return { ok: false, issues: [{ path: prefix, code: 'invalid_type', message: 'events must be a list' }] };
  const issues: Issue[] = [];
  const parsed: (LifecycleEvent | null)[] = events.map((raw, i) => {
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
      const t = (raw as { type?: unknown }).type;
      if (typeof t !== 'string' || !(EVENT_TYPES as readonly string[]).includes(t)) {
        issues.push({
          path: `${prefix}[${i}].type`,
          code: 'unknown_event_type',
          message: t === undefined ? 'event type is missing' : `unknown event type ${JSON.stringify(t)}; expected one of ${EVENT_TYPES.join(', ')}`,
        });
        return null;
      }
    }
    const r = LifecycleEventSchema.safeParse(raw);
    if (!r.success) {
      issues.push(...zodToIssues(r.error, `${prefix}[${i}]`));
      return null;
    }
    return r.data;
  });
  issues.push(...checkEvents(parsed, indexKnownOrders(known.orders), known.priorEvents ?? [], known.locations ? new Set(known.locations) : null, prefix));
  return issues.length === 0 ? { ok: true, events: parsed as LifecycleEvent[] } : { ok: false, issues };
}

/** Validates an events-only file `{ format?, events: [...] }` against known orders. */
export function validateEventsFile(json: unknown, known: KnownContext): ValidationResult<LifecycleEvent[], 'events'> {
  const shape = EventsFileSchema.safeParse(json);
  if (!shape.success) {
    const issues = zodToIssues(shape.error);
    // Still look inside a readable events list, so every problem is reported at once.
    const events = (json as { events?: unknown } | null)?.events;
    if (Array.isArray(events)) {
      const r = validateEvents(events, known);
      if (!r.ok) issues.push(...r.issues);
    }
    return { ok: false, issues };
  }
  return validateEvents(shape.data.events, known);
}

/**
 * Validates a `ventil.scenario/1` object. Returns the parsed scenario (defaults filled in), or
 * every issue found: schema problems, then references, duplicates, totals and events.
 */
export function validateScenario(json: unknown): ValidationResult<Scenario, 'scenario'> {
  const shape = ScenarioShape.safeParse(json);
  const issues: Issue[] = shape.success ? [] : zodToIssues(shape.error);
  const raw = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  issues.push(...checkReferences(raw));
  const network = raw.network as { locations?: unknown } | undefined;
  const locationIds = Array.isArray(network?.locations)
    ? network.locations.map((l) => (l as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string')
    : [];
  const orders = Array.isArray(raw.orders) ? (raw.orders as unknown[]) : [];
  // A non-list `events` is already reported by the schema.
  const ev = validateEvents(Array.isArray(raw.events) ? raw.events : [], { orders: orders as Iterable<KnownOrder>, locations: locationIds });
  if (!ev.ok) issues.push(...ev.issues);
  if (issues.length > 0 || !shape.success || !ev.ok) {
    return { ok: false, issues: issues.length > 0 ? sortIssues(issues) : [{ path: '', code: 'invalid_input', message: 'invalid scenario' }] };
  }
  return { ok: true, scenario: { ...shape.data, events: ev.events } as Scenario };
}

const SECTION_RANK: Record<string, number> = { '': 0, format: 1, network: 2, rules: 3, orders: 4, events: 5 };
const NETWORK_PART_RANK: Record<string, number> = { entities: 1, locations: 2, catchments: 3, fx_rates: 4 };

/**
 * Puts issues in reading order: by section (network, rules, orders, events), then by the item
 * they concern (`orders[3]` before `orders[4]`); within one item, schema problems come first,
 * then references and totals (the sort is stable).
 */
export function sortIssues(issues: Issue[]): Issue[] {
  const key = (path: string): [number, number, number] => {
    const m = /^([a-z_]*)(?:\.([a-z_]+))?(?:\[(\d+)\])?/.exec(path);
    return [SECTION_RANK[m?.[1] ?? ''] ?? 6, NETWORK_PART_RANK[m?.[2] ?? ''] ?? 0, m?.[3] === undefined ? -1 : Number(m[3])];
  };
  return issues
    .map((issue, i) => ({ issue, i, k: key(issue.path) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.k[2] - b.k[2] || a.i - b.i)
    .map((x) => x.issue);
}

/** Like validateScenario, but throws a ValidationError. */
export function parseScenario(json: unknown): Scenario {
  const r = validateScenario(json);
  if (!r.ok) throw new ValidationError(r.issues);
  return r.scenario;
}
