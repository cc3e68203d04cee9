// The hub's devices (replicas enrolled with a one-time code, each with its own secret) and the
// commands they pushed with the hub's answers. Codes and secrets are stored as sha256 only:
// they are long random strings, so a fast hash is enough (a password needs scrypt; these do
// not), and a copy of the hub's database hands out neither.
import { createHash } from 'node:crypto';
import { all, first, qb, run } from './query.js';
import type { DeviceCommandsTable, DevicesTable } from './schema.js';
import type { Db } from './db.js';

export type DeviceRow = DevicesTable;
export type DeviceCommandRow = DeviceCommandsTable;

export const secretHash = (secret: string) => createHash('sha256').update(secret).digest('hex');

export function insertDevice(db: Db, row: DeviceRow): void {
  run(db, qb.insertInto('devices').values(row));
}

export function getDevice(db: Db, id: string): DeviceRow | undefined {
  return first(db, qb.selectFrom('devices').selectAll().where('id', '=', id));
}

export function deviceByCode(db: Db, code: string): DeviceRow | undefined {
  return first(db, qb.selectFrom('devices').selectAll().where('code_hash', '=', secretHash(code)));
}

export function deviceBySecret(db: Db, secret: string): DeviceRow | undefined {
  return first(db, qb.selectFrom('devices').selectAll().where('secret_hash', '=', secretHash(secret)));
}

export function listDevices(db: Db): DeviceRow[] {
  return all(db, qb.selectFrom('devices').selectAll().orderBy('created_at').orderBy('id'));
}

export function updateDevice(db: Db, id: string, changes: Partial<Omit<DeviceRow, 'id'>>): void {
  run(db, qb.updateTable('devices').set(changes).where('id', '=', id));
}

/** The entities of a scope as the hub knows them now (a region's entities change when a store moves). */
export function entitiesOfScope(db: Db, scope: { kind: 'entity'; entity: string } | { kind: 'region'; region: string } | { kind: 'network' }): string[] {
  if (scope.kind === 'entity') return all(db, qb.selectFrom('entities').select('id').where('id', '=', scope.entity)).map((r) => r.id);
  if (scope.kind === 'region') return all(db, qb.selectFrom('entities').select('id').where('region', '=', scope.region).orderBy('id')).map((r) => r.id);
  return all(db, qb.selectFrom('entities').select('id').orderBy('id')).map((r) => r.id);
}

export function regionExists(db: Db, region: string): boolean {
  return first(db, qb.selectFrom('entities').select('id').where('region', '=', region).limit(1)) !== undefined;
}

// ---- Commands pushed by devices -----------------------------------------------------------

export function getDeviceCommand(db: Db, deviceId: string, commandId: string): DeviceCommandRow | undefined {
  return first(db, qb.selectFrom('device_commands').selectAll().where('device_id', '=', deviceId).where('command_id', '=', commandId));
}

export function insertDeviceCommand(db: Db, row: DeviceCommandRow): void {
  run(db, qb.insertInto('device_commands').values(row));
}

export function countDeviceCommands(db: Db, deviceId: string): { accepted: number; refused: number } {
  const rows = all(db, qb.selectFrom('device_commands').select(['status', (eb) => eb.fn.countAll().as('n')]).where('device_id', '=', deviceId).groupBy('status'));
  const n = (s: string) => Number(rows.find((r) => r.status === s)?.n ?? 0);
  return { accepted: n('accepted'), refused: n('refused') };
}

/** The name of the last migration applied: hub and replicas must run the same schema. */
export function schemaVersion(db: Db): string {
  const r = first(db, qb.selectFrom('schema_migrations').select((eb) => [eb.fn.max('name').as('name'), eb.fn.countAll().as('n')]));
  return `${r?.name ?? ''}/${Number(r?.n ?? 0)}`;
}
