// The network area of the API: the registry head office edits (entities, locations,
// catchments, settings) and the summary every screen starts from.
import { z } from 'zod';
import { isValidSiren } from '../domain/siren.js';
import * as repo from '../store/network-repo.js';
import type { Sqlite } from '../store/sqlite.js';
import { ApiError, notFound, type Issue } from './errors.js';
import { ADMIN_ONLY, ALL_ROLES, defineHandler } from './handler.js';

const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'letters, digits, and _ . : - (at most 64)');
const DecimalRate = z.string()
  .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'a decimal string between 0 and 1, such as "0.20"');

export const EntityInput = z.object({
  id: Id,
  name: z.string().trim().min(1),
  kind: z.enum(['franchisor', 'franchisee', 'subsidiary', '3pl', 'other']),
  siren: z.string().refine(isValidSiren, 'not a valid SIREN (9 digits, Luhn check)'),
  vat_number: z.string().regex(/^[A-Z]{2}[0-9A-Z]{2,13}$/, 'an intra-EU VAT number such as FR96552100554').nullable().default(null),
  region: z.string().min(1).nullable().default(null),
  psp_account: z.string().min(1).nullable().default(null),
  erp_code: z.string().min(1).nullable().default(null),
  fiscal_year_end: z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`2024-${s}T00:00:00Z`)) && new Date(`2024-${s}T00:00:00Z`).toISOString().slice(5, 10) === s, 'not a day of the year')
    .default('12-31'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR').default('EUR'),
});

export const LocationInput = z.object({
  id: Id,
  entity: Id,
  operator: Id.optional(),
  kind: z.enum(['store', 'warehouse', 'dark_store']),
  postcode: z.string().min(1).nullable().default(null),
  ship: z.boolean(),
  collect: z.boolean(),
});

export const CatchmentInput = z.object({
  postcode_prefix: z.string().regex(/^[0-9A-Z]{1,10}$/, 'digits or capital letters, 1 to 10'),
  location: Id,
});

export const SettingsInput = z.object({
  name: z.string().min(1).optional(),
  platform_entity: Id,
  commission_vat_rate: DecimalRate.default('0.20'),
  return_window_days: z.number().int().min(0).max(365).default(14),
  psp_fee_bearer: z.enum(['platform', 'owners_pro_rata']).default('platform'),
  web_attribution: z.array(z.enum(['pickup', 'catchment', 'shipper', 'platform'])).min(1).default(['pickup', 'catchment', 'platform']),
  offer_deadline_hours: z.number().positive().max(24 * 30).default(24),
  after_release_recovery: z.enum(['net', 'reverse']).default('net'),
  fx_rates: z.array(z.object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD'),
    from: z.string().regex(/^[A-Z]{3}$/),
    to: z.string().regex(/^[A-Z]{3}$/),
    rate: z.string().regex(/^\d+(\.\d+)?$/, 'a positive decimal string'),
  })).default([]),
});
export type Settings = z.output<typeof SettingsInput>;

function requireEntity(db: Sqlite, id: string, path: string, issues: Issue[]) {
  if (!repo.getEntity(db, id)) issues.push({ path, code: 'unknown_reference', message: `no entity ${JSON.stringify(id)}` });
}

function throwIf(issues: Issue[], message: string) {
  if (issues.length > 0) throw new ApiError('invalid_reference', message, issues);
}

const toLocationRow = (l: z.output<typeof LocationInput>): repo.LocationRow => ({
  id: l.id, entity: l.entity, operator: l.operator ?? l.entity, kind: l.kind, postcode: l.postcode,
  ship: l.ship ? 1 : 0, collect: l.collect ? 1 : 0,
});

export const fromLocationRow = (r: repo.LocationRow) => ({ ...r, ship: r.ship === 1, collect: r.collect === 1 });

function checkLocationRefs(db: Sqlite, l: z.output<typeof LocationInput>) {
  const issues: Issue[] = [];
  requireEntity(db, l.entity, 'entity', issues);
  if (l.operator) requireEntity(db, l.operator, 'operator', issues);
  throwIf(issues, `location ${l.id} names unknown entities`);
}

export const networkHandlers = {
  'network.summary': defineHandler({
    summary: 'What the network holds: counts, platform entity, settings, demo flag',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => {
      const settings = repo.readSettings(ctx.db);
      return {
        name: (settings.name as string | undefined) ?? null,
        demo: ctx.demo,
        platform_entity: (settings.platform_entity as string | undefined) ?? null,
        entities: repo.countRows(ctx.db, 'entities'),
        locations: repo.countRows(ctx.db, 'locations'),
        catchments: repo.countRows(ctx.db, 'catchments'),
        rules: repo.countRows(ctx.db, 'rules'),
        orders: repo.countRows(ctx.db, 'orders'),
        lines: repo.countRows(ctx.db, 'order_lines'),
        events: repo.countRows(ctx.db, 'events'),
      };
    },
  }),

  'network.settings.get': defineHandler({
    summary: 'The network settings',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => repo.readSettings(ctx.db),
  }),

  'network.settings.update': defineHandler({
    summary: 'Replace the network settings (head-office admin)',
    input: SettingsInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const issues: Issue[] = [];
      requireEntity(ctx.db, input.platform_entity, 'platform_entity', issues);
      throwIf(issues, 'the platform entity must exist');
      const before = repo.readSettings(ctx.db);
      repo.writeSettings(ctx.db, input);
      return { before, after: repo.readSettings(ctx.db) };
    },
  }),

  'network.entities.list': defineHandler({
    summary: 'Every entity of the network (names and identifiers are visible to all roles)',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => repo.listEntities(ctx.db),
  }),

  'network.entities.create': defineHandler({
    summary: 'Add an entity',
    input: EntityInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (repo.getEntity(ctx.db, input.id)) throw new ApiError('duplicate_id', `an entity ${JSON.stringify(input.id)} already exists`, [{ path: 'id', code: 'duplicate_id', message: 'already used' }]);
      repo.insertEntity(ctx.db, input);
      return repo.getEntity(ctx.db, input.id);
    },
  }),

  'network.entities.update': defineHandler({
    summary: 'Change an entity (its id stays)',
    input: EntityInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const before = repo.getEntity(ctx.db, input.id);
      if (!before) throw notFound('entity', input.id);
      repo.updateEntity(ctx.db, input);
      return repo.getEntity(ctx.db, input.id);
    },
  }),

  'network.locations.list': defineHandler({
    summary: 'Every location with its owner and operator',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => repo.listLocations(ctx.db).map(fromLocationRow),
  }),

  'network.locations.create': defineHandler({
    summary: 'Add a location',
    input: LocationInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (repo.getLocation(ctx.db, input.id)) throw new ApiError('duplicate_id', `a location ${JSON.stringify(input.id)} already exists`, [{ path: 'id', code: 'duplicate_id', message: 'already used' }]);
      checkLocationRefs(ctx.db, input);
      repo.insertLocation(ctx.db, toLocationRow(input));
      return fromLocationRow(repo.getLocation(ctx.db, input.id)!);
    },
  }),

  'network.locations.update': defineHandler({
    summary: 'Change a location',
    input: LocationInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (!repo.getLocation(ctx.db, input.id)) throw notFound('location', input.id);
      checkLocationRefs(ctx.db, input);
      repo.updateLocation(ctx.db, toLocationRow(input));
      return fromLocationRow(repo.getLocation(ctx.db, input.id)!);
    },
  }),

  'network.catchments.list': defineHandler({
    summary: 'Postcode prefixes and the location each belongs to',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => repo.listCatchments(ctx.db),
  }),

  'network.catchments.save': defineHandler({
    summary: 'Set the location of a postcode prefix',
    input: CatchmentInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (!repo.getLocation(ctx.db, input.location)) {
        throw new ApiError('invalid_reference', 'unknown location', [{ path: 'location', code: 'unknown_reference', message: `no location ${JSON.stringify(input.location)}` }]);
      }
      repo.upsertCatchment(ctx.db, input);
      return repo.getCatchment(ctx.db, input.postcode_prefix);
    },
  }),

  'network.catchments.delete': defineHandler({
    summary: 'Remove a postcode prefix',
    input: z.object({ postcode_prefix: z.string().min(1) }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (repo.deleteCatchment(ctx.db, input.postcode_prefix) === 0) throw notFound('catchment', input.postcode_prefix);
      return { deleted: input.postcode_prefix };
    },
  }),
};
