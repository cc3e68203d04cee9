// Devices on the hub: enrolment with a one-time code (single use, 24 hours), the device's own
// secret given once in exchange, authentication of its calls, revocation and scope changes.
// docs/deployment.md says how IT uses them.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import type { Principal } from '../api/principal.js';
import { ensureChangeLog } from '../store/change-triggers.js';
import {
  deviceByCode, deviceBySecret, getDevice, insertDevice, regionExists, schemaVersion, secretHash, updateDevice, type DeviceRow,
} from '../store/devices-repo.js';
import { getEntity } from '../store/network-repo.js';
import type { Db } from '../store/db.js';
import { parseScope, SCOPE_HELP, type DeviceScope } from './scope.js';

export const CODE_TTL_MS = 24 * 3_600_000;
/** Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function randomText(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

/** A one-time code: 20 random characters (100 bits) in groups of 5. */
export function newEnrolmentCode(): string {
  return randomText(20).match(/.{5}/g)!.join('-');
}

/** What a person typed, as issued: upper case, without spaces and dashes, regrouped. */
export function normalizeCode(text: string): string | null {
  const plain = text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (!/^[0-9A-HJKMNP-TV-Z]{20}$/.test(plain)) return null;
  return plain.match(/.{5}/g)!.join('-');
}

export const isDeviceToken = (token: string) => token.startsWith('vd1.');

export function checkScope(db: Db, text: string): DeviceScope {
  const scope = parseScope(text);
  if (!scope) throw new ApiError('invalid_input', `the scope must be ${SCOPE_HELP}`, [{ path: 'scope', code: 'invalid_scope', message: SCOPE_HELP }]);
  if (scope.kind === 'entity' && !getEntity(db, scope.entity)) {
    throw new ApiError('invalid_input', `no entity ${scope.entity}`, [{ path: 'scope', code: 'unknown_entity', message: `no entity ${scope.entity}` }]);
  }
  if (scope.kind === 'region' && !regionExists(db, scope.region)) {
    throw new ApiError('invalid_input', `no entity is in the region ${scope.region}`, [{ path: 'scope', code: 'unknown_region', message: `no entity is in the region ${scope.region}` }]);
  }
  return scope;
}

export interface DeviceView {
  id: string; name: string; scope: string; status: DeviceRow['status']; created_at: string; created_by: string;
  code_expires_at: string | null; enrolled_at: string | null; revoked_at: string | null; revoke_reason: string | null;
  last_seen_at: string | null; last_seq: number | null; anchor: unknown;
}

export function deviceView(d: DeviceRow): DeviceView {
  return {
    id: d.id, name: d.name, scope: d.scope, status: d.status, created_at: d.created_at, created_by: d.created_by,
    code_expires_at: d.status === 'pending' ? d.code_expires_at : null, enrolled_at: d.enrolled_at, revoked_at: d.revoked_at,
    revoke_reason: d.revoke_reason, last_seen_at: d.last_seen_at, last_seq: d.last_seq, anchor: d.anchor_json ? JSON.parse(d.anchor_json) : null,
  };
}

/** A new device waiting for its code; the hub starts logging its changes if it was not yet. */
export function enrolDevice(db: Db, input: { scope: string; name: string }, actor: string, now: Date): { device: DeviceView; code: string; expires_at: string } {
  const scope = checkScope(db, input.scope);
  ensureChangeLog(db);
  const code = newEnrolmentCode();
  const id = `dev_${randomText(12).toLowerCase()}`;
  const expires = new Date(now.getTime() + CODE_TTL_MS).toISOString();
  insertDevice(db, {
    id, name: input.name, scope: formatScopeText(scope), status: 'pending', code_hash: secretHash(code), code_expires_at: expires, code_used_at: null,
    secret_hash: null, created_at: now.toISOString(), created_by: actor, enrolled_at: null, revoked_at: null, revoked_by: null, revoke_reason: null,
    last_seen_at: null, last_seq: null, anchor_json: null, anchor_at: null,
  });
  return { device: deviceView(getDevice(db, id)!), code, expires_at: expires };
}

const formatScopeText = (s: DeviceScope) => (s.kind === 'network' ? 'network' : s.kind === 'entity' ? `entity:${s.entity}` : `region:${s.region}`);

/**
 * Exchanges a one-time code for the device's own secret. Every refusal is named and changes
 * nothing: a code this hub never issued (or mistyped), one already used, one past its 24 hours,
 * a device revoked before it joined, or a replica running another schema than the hub.
 */
export function redeemCode(db: Db, input: { code: string; schema: string; name?: string }, now: Date): { device: { id: string; name: string; scope: string }; secret: string } {
  const code = normalizeCode(input.code);
  const device = code ? deviceByCode(db, code) : undefined;
  if (!device) throw new ApiError('enrolment_code_invalid', 'this enrolment code was not issued by this hub (check it, or ask IT for a new one)');
  if (device.code_used_at !== null) throw new ApiError('enrolment_code_used', `this enrolment code was already used on ${device.code_used_at}; a code joins one device only`);
  if (device.status === 'revoked') throw new ApiError('device_revoked', `the device ${device.name} was revoked before it joined`);
  if (Date.parse(device.code_expires_at) <= now.getTime()) throw new ApiError('enrolment_code_expired', `this enrolment code expired on ${device.code_expires_at}; ask IT for a new one`);
  const schema = schemaVersion(db);
  if (input.schema !== schema) throw new ApiError('version_mismatch', `the hub's database schema is ${schema} and this installation's ${input.schema}: install the same Ventil version as the hub`);
  const secret = randomBytes(32).toString('base64url');
  const name = input.name ?? device.name;
  updateDevice(db, device.id, { status: 'active', secret_hash: secretHash(secret), code_used_at: now.toISOString(), enrolled_at: now.toISOString(), name });
  return { device: { id: device.id, name, scope: device.scope }, secret };
}

export type DeviceCheck = { ok: true; principal: Principal; device: DeviceRow } | { ok: false; code: 'unauthenticated' | 'device_revoked'; message: string };

/** Resolves a device token to the device's principal, or says why not. */
export function authenticateDevice(db: Db, token: string): DeviceCheck {
  const m = /^vd1\.(dev_[a-z0-9]{1,40})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  const d = m ? deviceBySecret(db, m[2]!) : undefined;
  if (!m || !d || d.id !== m[1]) return { ok: false, code: 'unauthenticated', message: 'unknown device credential' };
  if (d.status === 'revoked') return { ok: false, code: 'device_revoked', message: `head office revoked this device on ${d.revoked_at}${d.revoke_reason ? ` (${d.revoke_reason})` : ''}` };
  return { ok: true, principal: devicePrincipal(d), device: d };
}

export function devicePrincipal(d: DeviceRow): Principal {
  const scope = parseScope(d.scope)!;
  const base = { userId: `device:${d.id}`, name: d.name, device: { id: d.id, name: d.name, scope: d.scope } };
  if (scope.kind === 'entity') return { ...base, role: 'store_manager', regions: [], entities: [scope.entity] };
  if (scope.kind === 'region') return { ...base, role: 'controller', regions: [scope.region], entities: [] };
  return { ...base, role: 'finance', regions: [], entities: [] };
}

export function revokeDevice(db: Db, id: string, reason: string | undefined, actor: string, now: Date): DeviceView {
  const d = getDevice(db, id);
  if (!d) throw new ApiError('not_found', `device ${JSON.stringify(id)} does not exist`);
  if (d.status !== 'revoked') updateDevice(db, id, { status: 'revoked', revoked_at: now.toISOString(), revoked_by: actor, revoke_reason: reason ?? null });
  return deviceView(getDevice(db, id)!);
}

/** A new scope: at its next pull the device drops what left it and receives what entered it. */
export function rescopeDevice(db: Db, id: string, scopeText: string): { before: DeviceView; after: DeviceView } {
  const d = getDevice(db, id);
  if (!d) throw new ApiError('not_found', `device ${JSON.stringify(id)} does not exist`);
  const scope = checkScope(db, scopeText);
  updateDevice(db, id, { scope: formatScopeText(scope) });
  return { before: deviceView(d), after: deviceView(getDevice(db, id)!) };
}
