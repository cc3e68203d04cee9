// The hub applies the commands a replica pushed, each exactly once (Replicache's push: the
// server runs each mutation authoritatively and remembers the last one it applied per client;
// here every command id is remembered, since a replica's commands are independent decisions).
// Each command runs as its user, through the same handler as on the hub, within both the user's
// scope and the device's; the answer (accepted, or refused with the handler's named error) is
// stored with it and travels back to that device with its pulls. A command already answered
// is not run again: a push repeated after a lost answer, or delivered twice, changes nothing.
import type { Result } from '../api/errors.js';
import type { ApiContext } from '../api/handler.js';
import { createContext } from '../api/context.js';
import { principalOfUser } from '../api/auth.js';
import { entitiesOfScope, getDevice, getDeviceCommand, insertDeviceCommand, updateDevice } from '../store/devices-repo.js';
import { getUser } from '../store/users-repo.js';
import { faultPoint } from './faults.js';
import type { Command } from './commands.js';
import { parseScope } from './scope.js';

export type CallApi = (ctx: ApiContext, name: string, input: unknown) => Result<unknown>;

export interface PushAnswer { id: string; status: 'accepted' | 'refused' | 'duplicate'; code?: string }

/** Which operations a command may carry: those a replica may decide offline (handler.replica). */
export type IsCommandOp = (op: string) => { roles: readonly string[] } | null;

export function applyPush(ctx: ApiContext, body: { commands: readonly Command[]; anchor?: unknown }, call: CallApi, isCommand: IsCommandOp): { answers: PushAnswer[] } {
  const device = ctx.principal.device!;
  const scope = parseScope(device.scope)!;
  const deviceEntities = entitiesOfScope(ctx.db, scope);
  const now = ctx.now().toISOString();
  const answers: PushAnswer[] = [];
  for (const c of body.commands) {
    if (getDeviceCommand(ctx.db, device.id, c.id)) {
      answers.push({ id: c.id, status: 'duplicate' });
      continue;
    }
    const r = runCommand(ctx, c, deviceEntities, call, isCommand);
    insertDeviceCommand(ctx.db, {
      device_id: device.id, command_id: c.id, op: c.op, user_id: c.user, input_json: JSON.stringify(c.input), issued_at: c.at, applied_at: now,
      status: r.ok ? 'accepted' : 'refused', error_code: r.ok ? null : r.error.code, error_message: r.ok ? null : r.error.message,
    });
    answers.push(r.ok ? { id: c.id, status: 'accepted' } : { id: c.id, status: 'refused', code: r.error.code });
    faultPoint('hub.command.applied');
  }
  if (body.anchor !== undefined) recordAnchor(ctx, device.id, body.anchor as ReplicaAnchor, now);
  ctx.audit({ entities: deviceEntities.length <= 50 ? deviceEntities : [], after: { answers: answers.map((a) => `${a.id}:${a.status}`) } });
  return { answers };
}

/** A replica's audit-chain head as it sent it; `regressed` is set, and kept, once it went back. */
export interface ReplicaAnchor { head: string; rows: number; regressed?: { rows: number; head: string; at: string } }

/**
 * Keeps the replica's audit head (docs/security.md, "The audit trail's anchor"). An append-only
 * chain only grows: fewer rows than last time, or another head at the same count, means rows
 * were deleted or rewritten on the replica. The hub then keeps what it had seen, says so on the
 * device (`ventil devices list`) and in its own audit trail; a later push cannot clear it.
 */
function recordAnchor(ctx: ApiContext, deviceId: string, anchor: ReplicaAnchor, now: string): void {
  const before = getDevice(ctx.db, deviceId)?.anchor_json;
  const previous = before ? JSON.parse(before) as ReplicaAnchor : null;
  let regressed = previous?.regressed;
  if (!regressed && previous && (anchor.rows < previous.rows || (anchor.rows === previous.rows && anchor.head !== previous.head))) {
    regressed = { rows: previous.rows, head: previous.head, at: now };
    ctx.audit({ after: { audit_anchor_regressed: { device: deviceId, had: previous.rows, now: anchor.rows } } });
  }
  const kept: ReplicaAnchor = { head: anchor.head, rows: anchor.rows, ...(regressed ? { regressed } : {}) };
  updateDevice(ctx.db, deviceId, { anchor_json: JSON.stringify(kept), anchor_at: now });
}

/** One command, as its user, within the device's scope; every refusal is a value. */
function runCommand(ctx: ApiContext, c: Command, deviceEntities: readonly string[], call: CallApi, isCommand: IsCommandOp): Result<unknown> {
  const refuse = (code: string, message: string): Result<unknown> => ({ ok: false, error: { code, message } });
  const op = isCommand(c.op);
  if (!op) return refuse('not_a_command', `${c.op} is not a decision a replica may send`);
  const user = getUser(ctx.db, c.user);
  if (!user) return refuse('unknown_user', `no user ${c.user} on the hub`);
  if (user.disabled === 1) return refuse('account_disabled', `the account of ${user.name} is disabled`);
  if (!op.roles.includes(user.role)) return refuse('forbidden', `the role ${user.role} of ${user.name} may not ${c.op}`);
  const principal = { ...principalOfUser(user), name: `${user.name} (via ${ctx.principal.device!.name})` };
  const userCtx = createContext(ctx.db, { principal, now: ctx.now, scopeLimit: deviceEntities });
  return call(userCtx, c.op, c.input);
}
