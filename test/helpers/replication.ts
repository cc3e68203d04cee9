// In-process replication for tests: a hub database and replica databases synced by calling the
// hub's pull and the replica's apply directly (no HTTP), and comparisons between them.
import { columnsOf } from '../../core/store/dialect.js';
import { randomBytes } from 'node:crypto';
import { servePull, type PullLimits } from '../../core/replication/hub.js';
import { applyPage, prepareReplicaSchema, type ApplyResult } from '../../core/replication/replica.js';
import { parseScope } from '../../core/replication/scope.js';
import { ensureChangeLog } from '../../core/store/change-triggers.js';
import { entitiesOfScope, insertDevice, schemaVersion } from '../../core/store/devices-repo.js';
import { allHeldDocs, dumpTable, insertReplicaState, readReplicaState } from '../../core/store/replica-repo.js';
import { sealChanges } from '../../core/store/change-log-repo.js';
import { DOC_KINDS, REPLICATED_TABLES } from '../../core/store/replicated-set.js';
import { maskRow } from '../../core/replication/page.js';
import type { Db } from '../../core/store/db.js';
import type { WirePage } from '../../core/replication/page.js';
import { HubError, type HubClient, type HubClientOptions } from '../../core/replication/client.js';
import { sealedCredentialStore, type CredentialStore } from '../../core/replication/credentials.js';
import { authenticateDevice } from '../../core/replication/devices.js';
import { createContext } from '../../core/api/context.js';
import { openDatabase } from '../../core/store/database.js';
import { FROZEN_NOW } from './db.js';
import { callApi } from '../../core/api/index.js';
import { ANONYMOUS_PRINCIPAL } from '../../core/api/principal.js';

export const SYNC_NOW = new Date('2026-04-01T12:00:00Z');

/** Registers a device on the hub directly (no enrolment), active; the hub starts logging its changes. */
export function addDevice(hub: Db, scope: string, id = `dev_${randomBytes(4).toString('hex')}`): { id: string; scope: ReturnType<typeof parseScope> & object } {
  ensureChangeLog(hub);
  insertDevice(hub, {
    id, name: id, scope, status: 'active', code_hash: randomBytes(16).toString('hex'), code_expires_at: SYNC_NOW.toISOString(), code_used_at: SYNC_NOW.toISOString(),
    secret_hash: randomBytes(16).toString('hex'), created_at: SYNC_NOW.toISOString(), created_by: 'test', enrolled_at: SYNC_NOW.toISOString(),
    revoked_at: null, revoked_by: null, revoke_reason: null, last_seen_at: null, last_seq: null, anchor_json: null, anchor_at: null,
  });
  return { id, scope: parseScope(scope)! };
}

/**
 * A fresh migrated database for a replica: SQLite in memory whatever VENTIL_TEST_DB says. A
 * replica is a desktop's SQLite file (PostgreSQL serves as a hub only); with
 * VENTIL_TEST_DB=postgres the hub is on PostgreSQL and its replicas on SQLite, as deployed.
 */
export function replicaDb(): Db {
  return openDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
}

/** Turns a fresh database into a replica of that device (what `ventil join` does after enrolling). */
export function makeReplica(db: Db, device: { id: string; scope: object }, scope: string): void {
  prepareReplicaSchema(db);
  insertReplicaState(db, {
    status: 'active', hub_url: 'https://hub.test', ca_pem: null, join_code: null, device_id: device.id, device_name: device.id, scope,
    created_at: SYNC_NOW.toISOString(), joined_at: SYNC_NOW.toISOString(), data_as_of: null, last_contact_at: null, offline_since: null,
    last_error_code: null, last_error: null, revoked_at: null,
  });
}

/** Pulls pages until complete; returns the pages' summaries. */
export function syncInProcess(hub: Db, replica: Db, device: { id: string; scope: any }, limits?: PullLimits, now = SYNC_NOW): { pages: WirePage[]; results: ApplyResult[] } {
  const pages: WirePage[] = [];
  const results: ApplyResult[] = [];
  for (let i = 0; i < 10_000; i++) {
    const state = readReplicaState(replica)!;
    const page = servePull(hub, device, { cursor: state.cursor, schema: schemaVersion(replica) }, now, limits);
    // Through JSON, as over the wire.
    const wire = JSON.parse(JSON.stringify(page)) as WirePage;
    pages.push(wire);
    results.push(applyPage(replica, wire));
    if (wire.complete) return { pages, results };
  }
  throw new Error('sync did not complete');
}

/** A hub reached in process: each call goes through callApi as the device (or anonymously), as JSON. */
export function inProcessHub(hub: Db, clock: () => Date = () => SYNC_NOW, opts: { down?: () => boolean } = {}) {
  return (o: HubClientOptions): HubClient => {
    const bytes = { sent: 0, received: 0 };
    return {
      bytes,
      async call<T>(operation: string, body: unknown): Promise<T> {
        if (opts.down?.()) throw new HubError('offline', 'the hub cannot be reached (ECONNREFUSED)', true);
        const text = JSON.stringify(body);
        bytes.sent += text.length;
        let principal = ANONYMOUS_PRINCIPAL;
        if (o.token) {
          const d = authenticateDevice(hub, o.token);
          if (!d.ok) throw new HubError(d.code, d.message);
          principal = d.principal;
        }
        const r = callApi(createContext(hub, { principal, now: clock }), operation, JSON.parse(text));
        const out = JSON.stringify(r);
        bytes.received += out.length;
        if (!r.ok) throw new HubError(r.error.code, r.error.message, false, 400, r.error.issues);
        return JSON.parse(out).value as T;
      },
    };
  };
}

/** A credential store in memory. */
export function memoryCredentials(): CredentialStore & { value: string | null } {
  const box = { value: null as string | null };
  const store = sealedCredentialStore('memory', { read: () => box.value, write: (t) => { box.value = t; }, remove: () => { box.value = null; } });
  return Object.assign(store, { get value() { return box.value; } });
}

// ---- Comparing a replica with its hub -------------------------------------------------------

/** Every (kind/key) the hub's log says is live for these tags (null: all but devices' tags). */
export function expectedDocs(hub: Db, tags: ReadonlySet<string> | null, deviceId?: string): Set<string> {
  sealChanges(hub);
  const rows = hub.prepare('SELECT kind, key, tag FROM change_log WHERE live = 1').all() as { kind: string; key: string; tag: string }[];
  return new Set(rows.filter((r) => (tags === null ? !r.tag.startsWith('d:') || r.tag === `d:${deviceId}` : tags.has(r.tag))).map((r) => `${r.kind}/${r.key}`));
}

export function heldSet(replica: Db): Set<string> {
  return new Set(allHeldDocs(replica).map((d) => `${d.kind}/${d.key}`));
}

/** The hub's rows of some documents, for one table, as a replica holding them must have them. */
export function rowsOfDocs(db: Db, held: ReadonlySet<string>, table: string, maskFor?: ReadonlySet<string> | null): unknown[][] {
  const kind = DOC_KINDS.find((k) => k.tables.some((t) => t.table === table))!;
  const keyCols = kind.tables.find((t) => t.table === table)!.key;
  const cols = columnsOf(db, table).map((c) => c.name);
  const at = keyCols.map((c) => cols.indexOf(c));
  return dumpTable(db, table).filter((r) => {
    const key = at.length === 1 ? String(r[at[0]!]) : JSON.stringify(at.map((i) => r[i]));
    return held.has(`${kind.kind}/${key}`);
  }).map((r) => (maskFor === undefined ? r : maskRow(table, cols, r, maskFor)));
}

/**
 * What differs between a replica and its hub: documents missing or extra, and, table by table,
 * rows that are not the hub's (other entities' accounts masked, as the pull masks them).
 */
export function replicaDifferences(hub: Db, replica: Db): string[] {
  const state = readReplicaState(replica)!;
  const tags = JSON.parse(state.tags_json) as string[] | null;
  const scope = parseScope(state.scope!)!;
  const entities = scope.kind === 'network' ? null : new Set(entitiesOfScope(hub, scope));
  const expected = expectedDocs(hub, tags === null ? null : new Set(tags), state.device_id ?? undefined);
  const held = heldSet(replica);
  const out: string[] = [];
  for (const d of expected) if (!held.has(d)) out.push(`missing ${d}`);
  for (const d of held) if (!expected.has(d)) out.push(`extra ${d}`);
  for (const { table } of REPLICATED_TABLES) {
    const mine = JSON.stringify(dumpTable(replica, table));
    const theirs = JSON.stringify(rowsOfDocs(hub, held, table, entities));
    if (mine !== theirs) out.push(`table ${table} differs`);
  }
  return out;
}

/** The FEC, CSV and ledger exports of an entity for a period, as both sides produce them. */
export function exportsOf(db: Db, entity: string, period: string) {
  const ctx = createContext(db);
  return ['exports.fec', 'exports.csv', 'exports.ledger'].map((op) => callApi(ctx, op, { entity, period }));
}
