// The network area of the API: the registry head office edits (entities, locations,
// catchments, settings) and the summary every screen starts from.
import { z } from 'zod';
import { CatchmentSchema, EntitySchema, LocationSchema, NetworkSchema } from '../domain/scenario.js';
import { accountingDate } from '../domain/books-calendar.js';
import { granularityFrom } from '../domain/daily-books.js';
import { closedMonths, hasBooks, setGranularity } from '../store/books-repo.js';
import { rebuildDayTotals } from '../store/day-totals.js';
import { startGranularity } from '../store/scenario-repo.js';
import * as repo from '../store/network-repo.js';
import type { Db } from '../store/db.js';
import { ApiError, notFound, type Issue } from './errors.js';
import { ADMIN_ONLY, ALL_ROLES, defineHandler } from './handler.js';

// The registry's inputs are the scenario format's own schemas: one definition of an entity.
export const EntityInput = EntitySchema;
export const LocationInput = LocationSchema;
export const CatchmentInput = CatchmentSchema;
export const SettingsInput = NetworkSchema.omit({ entities: true, locations: true, catchments: true });
export type Settings = z.output<typeof SettingsInput>;

function requireEntity(db: Db, id: string, path: string, issues: Issue[]) {
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

function checkLocationRefs(db: Db, l: z.output<typeof LocationInput>) {
  const issues: Issue[] = [];
  requireEntity(db, l.entity, 'entity', issues);
  if (l.operator) requireEntity(db, l.operator, 'operator', issues);
  throwIf(issues, `location ${l.id} names unknown entities`);
}

export const networkHandlers = {
  'network.summary': defineHandler({
    summary: 'What the network holds: counts (orders, lines and events within the caller\'s scope), platform entity, demo flag',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => {
      const settings = repo.readSettings(ctx.db);
      const scope = ctx.scope.entities();
      // A store's volume is its own business: scoped callers count only the orders they are party to.
      const activity = scope === null
        ? { orders: repo.countRows(ctx.db, 'orders'), lines: repo.countRows(ctx.db, 'order_lines'), events: repo.countRows(ctx.db, 'events') }
        : repo.countScopedActivity(ctx.db, [...scope]);
      return {
        name: (settings.name as string | undefined) ?? null,
        demo: ctx.demo,
        platform_entity: (settings.platform_entity as string | undefined) ?? null,
        entities: repo.countRows(ctx.db, 'entities'),
        locations: repo.countRows(ctx.db, 'locations'),
        catchments: repo.countRows(ctx.db, 'catchments'),
        rules: repo.countRows(ctx.db, 'rules'),
        ...activity,
      };
    },
  }),

  'network.settings.get': defineHandler({
    summary: 'The network settings',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    // The stored settings are what `network.settings.update` (or an import) accepted.
    run: (ctx) => repo.readSettings(ctx.db) as Partial<Settings>,
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
      const before = repo.readSettings(ctx.db) as Partial<Settings>;
      repo.writeSettings(ctx.db, input);
      // The day totals kept for head office's dashboard follow the platform entity.
      if (before.platform_entity !== input.platform_entity) rebuildDayTotals(ctx.db);
      return { before, after: repo.readSettings(ctx.db) as Partial<Settings> };
    },
  }),

  'network.entities.list': defineHandler({
    summary: 'Every entity of the network: names and legal identifiers for all roles; PSP account and ERP code only for entities in the caller\'s scope',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    // The registry is shared (orders name other entities), but where an entity is paid and
    // how its ERP knows it are its own business.
    run: (ctx) => repo.listEntities(ctx.db).map((e) => (ctx.scope.canSee(e.id) ? e : { ...e, psp_account: null, erp_code: null })),
  }),

  'network.entities.create': defineHandler({
    summary: 'Add an entity',
    input: EntityInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      if (repo.getEntity(ctx.db, input.id)) throw new ApiError('duplicate_id', `an entity ${JSON.stringify(input.id)} already exists`, [{ path: 'id', code: 'duplicate_id', message: 'already used' }]);
      repo.insertEntity(ctx.db, input);
      startGranularity(ctx.db, ctx.now().toISOString());
      return repo.getEntity(ctx.db, input.id);
    },
  }),

  'network.entities.update': defineHandler({
    summary: 'Change an entity (its id stays); a new posting granularity applies from the next open month, and the answer says from which',
    input: EntityInput,
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const before = repo.getEntity(ctx.db, input.id);
      if (!before) throw notFound('entity', input.id);
      repo.updateEntity(ctx.db, input);
      // Its days are cut elsewhere now: the dashboard's totals are recomputed (posted entries keep their dates).
      if (before.time_zone !== input.time_zone) rebuildDayTotals(ctx.db, [input.id]);
      const notices: string[] = [];
      if (before.posting !== input.posting) {
        // A month's books keep one granularity: the change applies from the next open month.
        const today = accountingDate(ctx.now().toISOString(), input.time_zone);
        const from = granularityFrom(today.slice(0, 7), closedMonths(ctx.db, input.id), hasBooks(ctx.db, input.id));
        setGranularity(ctx.db, input.id, from, input.posting, ctx.now().toISOString());
        notices.push(from === '0000-00'
          ? `posting granularity ${input.posting} applies from the start (${input.id} has nothing in its books yet)`
          : `posting granularity ${input.posting} applies from ${from}, the next open month; ${input.id}'s books until then keep their granularity`);
      }
      return { ...repo.getEntity(ctx.db, input.id)!, notices };
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
