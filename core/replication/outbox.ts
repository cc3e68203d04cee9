// A replica's outbox of decisions for the hub (like PowerSync's upload queue, Replicache's
// pending mutations): a decision taken on a replica is written here, with its id, in the same
// transaction as its local effect and its audit row, and pushed to the hub at the next sync.
// Until the hub answers, screens show it as pending; then the hub's answer (accepted, or
// refused with a reason) and the hub's state, which the pull brings back.
import { randomBytes } from 'node:crypto';
import { ApiError } from '../api/errors.js';
import type { ApiContext, CommandInfo } from '../api/handler.js';
import { insertCommand } from '../store/replica-repo.js';

export interface QueuedCommand {
  queued: true;
  command: { id: string; op: string; status: 'pending'; created_at: string; summary: string };
}

/** A command id: random, so that two replicas never make the same one. */
export const newCommandId = () => `cmd_${randomBytes(16).toString('base64url')}`;

export function queueCommand(ctx: ApiContext, op: string, input: unknown, info: CommandInfo): QueuedCommand {
  if (ctx.installation.kind !== 'replica') throw new ApiError('not_a_replica', 'only a replica queues decisions for a hub');
  const p = ctx.principal;
  if (p.anonymous || p.userId === 'system') {
    throw new ApiError('user_required', `${op} on a replica is a decision of a signed-in user, which the hub checks against that user's role`);
  }
  const id = newCommandId();
  const created_at = ctx.now().toISOString();
  insertCommand(ctx.db, {
    id, op, input_json: JSON.stringify(input), user_id: p.userId, user_name: p.name, entities_json: JSON.stringify([...info.entities].sort()),
    summary: info.summary, created_at,
  });
  ctx.audit({ entities: info.entities, after: { command: id, queued_for: ctx.installation.hubUrl } });
  return { queued: true, command: { id, op, status: 'pending', created_at, summary: info.summary } };
}
