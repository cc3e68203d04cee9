// The handler table and the one entry point both transports call: `callApi(ctx, name, input)`.
// It refuses callers without a session (except for `public` operations), checks the caller's
// role, validates the input against the handler's schema, runs a mutating handler inside one
// transaction together with its audit row (nothing half written), and returns errors as values.
import { ApiError, type Result } from './errors.js';
import type { ApiContext, AuditNote, Handler, InputOf, OutputOf } from './handler.js';
import { writeAudit, writeRefusal } from './audit-trail.js';
import { ALLOWED_BEFORE_PASSWORD_CHANGE } from '../security/policy.js';
import { zodToIssues } from '../domain/scenario.js';
import { logger } from '../log/logger.js';
import { BUSY_TIMEOUT_MS, isDatabaseBusy } from '../store/sqlite.js';
import { networkHandlers } from './network.js';
import { scenarioHandlers } from './scenario.js';
import { rulesHandlers } from './rules.js';
import { ordersHandlers } from './orders.js';
import { dashboardHandlers } from './dashboard.js';
import { authHandlers } from './auth.js';
import { usersHandlers } from './users.js';
import { auditHandlers } from './audit.js';
import { syncHandlers } from './sync.js';
import { eventsHandlers } from './events.js';
import { routingHandlers } from './routing.js';
import { inboxHandlers } from './inbox.js';
import { releaseHandlers } from './release.js';
import { escrowHandlers } from './escrow.js';
import { anomaliesHandlers } from './anomalies.js';
import { journalHandlers } from './journal.js';
import { invoicesHandlers } from './invoices.js';
import { exportsHandlers } from './exports.js';
import { devicesHandlers } from './devices.js';
import { bindApi, replicationHandlers } from './replication.js';
import { setupHandlers } from './setup.js';
import { replicaDecision } from '../replication/policy.js';
import { queueCommand } from '../replication/outbox.js';
import { payoutsHandlers } from './payouts.js';
import { financeHandlers } from './finance.js';

/** Every operation by name. Its type is the API's contract: see `Api` below. */
export const handlers = {
  ...networkHandlers,
  ...scenarioHandlers,
  ...rulesHandlers,
  ...ordersHandlers,
  ...dashboardHandlers,
  ...authHandlers,
  ...usersHandlers,
  ...auditHandlers,
  ...syncHandlers,
  ...eventsHandlers,
  ...routingHandlers,
  ...inboxHandlers,
  ...releaseHandlers,
  ...escrowHandlers,
  ...anomaliesHandlers,
  ...journalHandlers,
  ...invoicesHandlers,
  ...exportsHandlers,
  ...devicesHandlers,
  ...replicationHandlers,
  ...setupHandlers,
  ...payoutsHandlers,
  ...financeHandlers,
} satisfies Record<string, Handler>;

/**
 * The API contract, inferred from the handlers themselves: each operation's name, what it
 * accepts and what it returns. The renderer imports it as a type only (`import type`), so a
 * misspelt operation name or a wrong input is a compile error and results are never restated.
 */
export type Api = typeof handlers;
export type OperationName = keyof Api;
export type ApiInput<K extends OperationName> = InputOf<Api[K]>;
export type ApiOutput<K extends OperationName> = OutputOf<Api[K]>;
/** Operations that only read: what views load (and cache). */
export type QueryName = { [K in OperationName]: Api[K]['mutates'] extends false ? K : never }[OperationName];
/** Operations that change data: after one succeeds, what views show is read again. */
export type MutationName = Exclude<OperationName, QueryName>;

/** The one function a transport gives the renderer: the preload bridge over IPC, fetch over HTTP. */
export interface ApiBridge {
  call(name: OperationName, input: unknown): Promise<Result<unknown>>;
  transport: 'ipc' | 'http';
}

const table: Readonly<Record<string, Handler>> = handlers;

/** The handler of an operation named at run time (a transport's request), if there is one. */
export function handlerNamed(name: string): Handler | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

const apiLog = logger('api');

/** The checks every call passes before its handler runs: the operation exists, the caller may call it, the input is valid. */
function admit(ctx: ApiContext, name: string, input: unknown): { handler: Handler; data: unknown } | { refused: Result<unknown> } {
  const handler = handlerNamed(name);
  if (!handler) return { refused: { ok: false, error: { code: 'unknown_operation', message: `no API operation named ${JSON.stringify(name)}` } } };
  const p = ctx.principal;
  if (!handler.public) {
    if (p.anonymous) return { refused: { ok: false, error: { code: 'unauthenticated', message: `sign in to call ${name}` } } };
    // A device credential reaches the replication operations, and nothing else reaches them.
    if (!!handler.device !== !!p.device) {
      const message = handler.device ? `only an enrolled device may call ${name}` : `a device credential reaches only the replication operations, not ${name}`;
      return { refused: { ok: false, error: { code: 'forbidden', message } } };
    }
    if (!handler.roles.includes(p.role)) {
      const error = { code: 'forbidden', message: `the role ${p.role} may not call ${name}` };
      if (handler.mutates) writeRefusal(ctx, name, input, error.code);
      return { refused: { ok: false, error } };
    }
    if (p.mustChangePassword && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(name)) {
      return { refused: { ok: false, error: { code: 'password_change_required', message: 'choose a new password first (auth.changePassword)' } } };
    }
  }
  const parsed = handler.input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = zodToIssues(parsed.error);
    return { refused: { ok: false, error: { code: 'invalid_input', message: `invalid input for ${name}`, issues } } };
  }
  return { handler, data: parsed.data };
}

/**
 * Calls an operation synchronously: the command line, tests, feeds. A handler's slow work
 * (`prepareSync`: password hashing) holds the thread, which only the caller waits for.
 */
export function callApi(ctx: ApiContext, name: string, input: unknown): Result<unknown> {
  const admitted = admit(ctx, name, input);
  if ('refused' in admitted) return admitted.refused;
  let prepared: unknown;
  if (admitted.handler.prepareSync) {
    try {
      prepared = admitted.handler.prepareSync(ctx, admitted.data);
    } catch (e) {
      return { ok: false, error: logUnexpected(name, toErrorValue(e)) };
    }
  }
  return execute(ctx, name, admitted.handler, admitted.data, prepared);
}

/**
 * Calls an operation for a transport (HTTP, IPC): the same as `callApi`, except that a
 * handler's slow work (`prepareAsync`: password hashing, sign-in throttling) is awaited off the
 * thread, so other calls are answered meanwhile (docs/decisions/0008-hardening.md). The
 * handler's transaction itself stays synchronous and short.
 */
export async function callApiAsync(ctx: ApiContext, name: string, input: unknown): Promise<Result<unknown>> {
  return (await prepareCall(ctx, name, input)).finish();
}

/**
 * `callApiAsync` in two steps, for a caller that wraps the call's transaction in its own (the
 * database process journals each answer in the same transaction): the admission checks and
 * the awaited slow work, then `finish()`, synchronous, which runs the handler.
 */
export async function prepareCall(ctx: ApiContext, name: string, input: unknown): Promise<{ finish(): Result<unknown> }> {
  const admitted = admit(ctx, name, input);
  if ('refused' in admitted) return { finish: () => admitted.refused };
  let prepared: unknown;
  if (admitted.handler.prepareAsync) {
    try {
      prepared = await admitted.handler.prepareAsync(ctx, admitted.data);
    } catch (e) {
      const error = logUnexpected(name, toErrorValue(e));
      return { finish: () => ({ ok: false, error }) };
    }
  }
  return { finish: () => execute(ctx, name, admitted.handler, admitted.data, prepared) };
}

function execute(ctx: ApiContext, name: string, handler: Handler, data: unknown, prepared: unknown): Result<unknown> {
  if (!handler.mutates) {
    try {
      return { ok: true, value: handler.run(ctx, data, prepared) };
    } catch (e) {
      return { ok: false, error: logUnexpected(name, toErrorValue(e)) };
    }
  }
  // On a replica: the replica's own sessions run here, decisions are queued for the hub, the
  // rest runs on the hub only (core/replication/policy.ts).
  const decision = replicaDecision(ctx.installation, name, true, handler.replica !== undefined);
  if (decision.kind === 'refuse') return { ok: false, error: toErrorValue(decision.error) };
  const run = decision.kind === 'command'
    ? (c: ApiContext, input: unknown) => queueCommand(c, name, input, handler.replica!.check(c, input))
    : (c: ApiContext, input: unknown) => handler.run(c, input, prepared);
  // A mutating call: one transaction holding the change and its audit row (docs/security.md).
  const notes: AuditNote[] = [];
  const call: ApiContext = { ...ctx, audit: (note) => { notes.push(note); } };
  let refusal: { error: unknown } | null = null;
  try {
    const value = ctx.db.transaction(() => {
      try {
        const out = run(call, data);
        writeAudit(call, name, data, notes, 'ok');
        return out;
      } catch (e) {
        if (!handler.keepWritesOnError) throw e;
        refusal = { error: e };
        writeAudit(call, name, data, notes, toErrorValue(e).code);
        return undefined;
      }
    }).immediate();
    if (refusal) return { ok: false, error: toErrorValue((refusal as { error: unknown }).error) };
    return { ok: true, value };
  } catch (e) {
    const error = logUnexpected(name, toErrorValue(e));
    if (error.code === 'forbidden') writeRefusal(call, name, data, error.code);
    return { ok: false, error };
  }
}

/** An unexpected failure goes to the log with its operation (never its input). */
function logUnexpected<E extends { code: string; message: string }>(name: string, error: E): E {
  if (error.code === 'internal') apiLog.error(`${name} failed`, { error: { code: error.code, message: error.message } });
  return error;
}

bindApi({ callApi, handlers: table });

export function toErrorValue(e: unknown): { code: string; message: string; issues?: ApiError['issues'] } {
  if (isDatabaseBusy(e)) {
    return { code: 'database_busy', message: `another connection kept the database's write lock for more than ${BUSY_TIMEOUT_MS / 1000} s (an import or a long run on the same file); nothing was stored: try again` };
  }
  if (e instanceof ApiError) return e.issues ? { code: e.code, message: e.message, issues: e.issues } : { code: e.code, message: e.message };
  const err = e as { name?: string; code?: unknown; message?: string; issues?: ApiError['issues'] };
  if (err && Array.isArray(err.issues)) return { code: typeof err.code === 'string' ? err.code : 'invalid', message: err.message ?? 'invalid', issues: err.issues };
  if (err && typeof err.code === 'string' && err.name !== 'SqliteError' && err.name !== 'PgError') return { code: err.code, message: err.message ?? String(e) };
  return { code: 'internal', message: err?.message ?? String(e) };
}
