// A replica's sync with its hub: join (exchange the one-time code for the device's credential
// and become a replica), then, each time, push the decisions not answered yet and pull pages
// until caught up. Offline, nothing is lost: decisions wait in the outbox, the data stays as of
// its last pull, and the screens say since when (replica.status).
import { ApiError } from '../api/errors.js';
import { insertReplicaState, isEmptyDatabase, markPushed, readReplicaState, unansweredCommands, updateReplicaState } from '../store/replica-repo.js';
import { currentAuditAnchor } from '../store/audit-repo.js';
import { schemaVersion } from '../store/devices-repo.js';
import type { Db } from '../store/db.js';
import { checkHubUrl, HubError, hubClient, type HubClient, type HubClientOptions } from './client.js';
import { MAX_COMMANDS_PER_PUSH, type Command } from './commands.js';
import { tokenOf, type CredentialStore } from './credentials.js';
import { normalizeCode } from './devices.js';
import type { WirePage } from './page.js';
import type { PushAnswer } from './push.js';
import { applyPage, prepareReplicaSchema } from './replica.js';

export interface SyncReport {
  pushed: number;
  duplicates: number;
  pages: number;
  written: number;
  removed: number;
  complete: boolean;
  offline: boolean;
  revoked: boolean;
  error: { code: string; message: string } | null;
  data_as_of: string | null;
  bytes: { sent: number; received: number };
}

export interface SyncOptions {
  credentials: CredentialStore;
  now?: () => Date;
  log?: (line: string) => void;
  timeoutMs?: number;
  /** How to reach the hub (tests call it in process). */
  connect?: (opts: HubClientOptions) => HubClient;
  /** Documents per page (default: the hub's), for slow links. */
  pageSize?: number;
}

export interface JoinInput { url: string; code: string; ca?: string | null; name?: string }

/**
 * Checks a join before anything is sent: the database is empty and not a replica yet, the
 * address is the hub's (HTTPS, or HTTP to a loopback address), the code looks like one.
 */
export function checkJoin(db: Db, input: JoinInput): { url: string; code: string } {
  const state = readReplicaState(db);
  if (state && state.status !== 'joining') throw new ApiError('already_joined', `this database is already a replica of ${state.hub_url}`);
  if (!isEmptyDatabase(db)) throw new ApiError('not_empty', 'a replica starts from an empty database: this one already holds data (use another --db)');
  let url: URL;
  try {
    url = checkHubUrl(input.url);
  } catch (e) {
    throw new ApiError((e as HubError).code, (e as Error).message, [{ path: 'url', code: (e as HubError).code, message: (e as Error).message }]);
  }
  const code = normalizeCode(input.code);
  if (!code) throw new ApiError('enrolment_code_invalid', 'an enrolment code has 20 letters and digits (XXXXX-XXXXX-XXXXX-XXXXX)', [{ path: 'code', code: 'enrolment_code_invalid', message: 'not an enrolment code' }]);
  return { url: url.href.replace(/\/$/, ''), code };
}

/** Enrols this database with the hub, keeps the credential, and makes the database a replica. */
export async function joinNetwork(db: Db, input: JoinInput, opts: SyncOptions): Promise<{ device: { id: string; name: string; scope: string }; hub_url: string }> {
  const { url, code } = checkJoin(db, input);
  const now = opts.now ?? (() => new Date());
  const client = (opts.connect ?? hubClient)({ url, ca: input.ca ?? null, timeoutMs: opts.timeoutMs });
  const enrolled = await client.call<{ device: { id: string; name: string; scope: string }; secret: string }>('replication.enroll', {
    code, schema: schemaVersion(db), ...(input.name ? { name: input.name } : {}),
  });
  // The credential first: if the process stops now, IT revokes this device and enrols again.
  opts.credentials.save({ device: enrolled.device.id, secret: enrolled.secret });
  db.transaction(() => {
    const joining = readReplicaState(db);
    prepareReplicaSchema(db);
    const row = {
      status: 'active' as const, hub_url: url, ca_pem: input.ca ?? null, join_code: null, device_id: enrolled.device.id, device_name: enrolled.device.name,
      scope: enrolled.device.scope, created_at: joining?.created_at ?? now().toISOString(), joined_at: now().toISOString(), data_as_of: null,
      last_contact_at: now().toISOString(), offline_since: null, last_error_code: null, last_error: null, revoked_at: null,
    };
    if (joining) updateReplicaState(db, { ...row, cursor: '', tags_json: '[]', hub_seq: 0 });
    else insertReplicaState(db, row);
  }).immediate();
  opts.log?.(`joined ${url} as ${enrolled.device.name} (${enrolled.device.id}), scope ${enrolled.device.scope}`);
  return { device: enrolled.device, hub_url: url };
}

/** One sync: push what waits, then pull until caught up (or until the hub cannot be reached). */
export async function syncOnce(db: Db, opts: SyncOptions): Promise<SyncReport> {
  const now = opts.now ?? (() => new Date());
  const state = readReplicaState(db);
  if (!state || state.status === 'joining') throw new ApiError('not_a_replica', 'this database is not a replica: join a network first (ventil join URL --code CODE)');
  const report: SyncReport = {
    pushed: 0, duplicates: 0, pages: 0, written: 0, removed: 0, complete: false, offline: false, revoked: state.status === 'revoked', error: null,
    data_as_of: state.data_as_of, bytes: { sent: 0, received: 0 },
  };
  if (state.status === 'revoked') {
    report.error = { code: 'device_revoked', message: `head office revoked this device on ${state.revoked_at}` };
    return report;
  }
  const credential = opts.credentials.load();
  if (!credential) throw new ApiError('no_credential', `this replica's device credential is missing (${opts.credentials.where}): ask IT to enrol it again`);
  // A newer version may replicate more tables: their guards go, as they went for the others at join.
  prepareReplicaSchema(db);
  const client = (opts.connect ?? hubClient)({ url: state.hub_url, ca: state.ca_pem, token: tokenOf(credential), timeoutMs: opts.timeoutMs });
  const startBytes = { ...client.bytes };
  try {
    await push(db, state.device_id!, client, now, report);
    await pull(db, client, report, opts.pageSize);
    updateReplicaState(db, { last_contact_at: now().toISOString(), offline_since: null, last_error_code: null, last_error: null });
  } catch (e) {
    const err = e as HubError | ApiError;
    if (err instanceof HubError && err.offline) {
      report.offline = true;
      const s = readReplicaState(db)!;
      updateReplicaState(db, { offline_since: s.offline_since ?? now().toISOString(), last_error_code: err.code, last_error: err.message });
      opts.log?.(`hub unreachable: ${err.message}`);
    } else if (err.code === 'device_revoked') {
      report.revoked = true;
      updateReplicaState(db, { status: 'revoked', revoked_at: now().toISOString(), last_contact_at: now().toISOString(), offline_since: null, last_error_code: err.code, last_error: err.message });
      opts.log?.(`this device was revoked: ${err.message}`);
    } else {
      updateReplicaState(db, { last_error_code: err.code ?? 'internal', last_error: err.message });
      report.error = { code: err.code ?? 'internal', message: err.message };
      opts.log?.(`sync failed: ${err.code}: ${err.message}`);
    }
  }
  report.bytes = { sent: client.bytes.sent - startBytes.sent, received: client.bytes.received - startBytes.received };
  report.data_as_of = readReplicaState(db)!.data_as_of;
  if (report.error === null && report.revoked) report.error = { code: 'device_revoked', message: readReplicaState(db)!.last_error ?? 'revoked' };
  return report;
}

async function push(db: Db, deviceId: string, client: HubClient, now: () => Date, report: SyncReport): Promise<void> {
  for (;;) {
    const waiting = unansweredCommands(db, deviceId, MAX_COMMANDS_PER_PUSH);
    if (waiting.length === 0) return;
    const commands: Command[] = waiting.map((c) => ({ id: c.id, op: c.op, input: JSON.parse(c.input_json), user: c.user_id, at: c.created_at }));
    // The audit head goes with each push: the hub notices a chain that lost rows (push.ts).
    const r = await client.call<{ answers: PushAnswer[] }>('replication.push', { commands, anchor: currentAuditAnchor(db) });
    markPushed(db, commands.map((c) => c.id), now().toISOString());
    report.pushed += r.answers.filter((a) => a.status !== 'duplicate').length;
    report.duplicates += r.answers.filter((a) => a.status === 'duplicate').length;
    // The answers arrive with the pull; until then these stay unanswered, so stop here.
    if (waiting.length < MAX_COMMANDS_PER_PUSH) return;
    await pull(db, client, report);
  }
}

async function pull(db: Db, client: HubClient, report: SyncReport, pageSize?: number): Promise<void> {
  const schema = schemaVersion(db);
  const ask = (cursor: string) => client.call<WirePage>('replication.pull', { cursor, schema, ...(pageSize ? { limit: pageSize } : {}) });
  let stale = 0;
  let asked = ask(readReplicaState(db)!.cursor);
  for (let i = 0; i < 100_000; i++) {
    const page = await asked;
    // The next page is asked for before this one is applied: the hub reads it while this replica
    // writes (a first sync is several pages). Applied only if this one was: it continues from
    // this page's cursor, and a page that does not continue from the replica's is refused.
    const following = page.complete ? null : ask(page.cursor);
    let applied;
    try {
      applied = applyPage(db, page);
    } catch (e) {
      following?.catch(() => undefined); // not wanted any more
      // Another sync applied this page meanwhile (two processes on one replica): ask again.
      if ((e as ApiError).code === 'stale_page' && ++stale <= 3) {
        asked = ask(readReplicaState(db)!.cursor);
        continue;
      }
      throw e;
    }
    report.pages++;
    report.written += applied.written;
    report.removed += applied.removed;
    if (applied.complete) {
      report.complete = true;
      return;
    }
    asked = following!;
  }
}

