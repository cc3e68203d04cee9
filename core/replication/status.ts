// What a replica's screens say about it (replica.status): its hub, online or offline since
// when, as of when its data is, its decisions still waiting for the hub and those the hub
// refused with the reason, and whether head office revoked it. On a hub: just that.
import type { ApiContext } from '../api/handler.js';
import { commandsWithAnswers, readReplicaState } from '../store/replica-repo.js';

export interface CommandView {
  id: string; op: string; summary: string; user: string; created_at: string; pushed_at: string | null;
  status: 'pending' | 'sent' | 'accepted' | 'refused'; answered_at: string | null; reason: { code: string; message: string } | null;
}

export type ReplicaStatus =
  | { installation: 'hub' }
  | { installation: 'joining'; hub_url: string; last_error: { code: string; message: string } | null }
  | {
    installation: 'replica'; hub_url: string; device: { id: string; name: string }; scope: string;
    status: 'active' | 'revoked'; revoked_at: string | null; online: boolean; last_contact_at: string | null; offline_since: string | null;
    data_as_of: string | null; hub_seq: number; last_error: { code: string; message: string } | null;
    pending: CommandView[]; refused: CommandView[]; accepted: number;
  };

const RECENT = 200;

export function replicaStatus(ctx: ApiContext): ReplicaStatus {
  const s = readReplicaState(ctx.db);
  if (!s) return { installation: 'hub' };
  const lastError = s.last_error_code ? { code: s.last_error_code, message: s.last_error ?? '' } : null;
  if (s.status === 'joining') return { installation: 'joining', hub_url: s.hub_url, last_error: lastError };
  // A decision is shown to whoever took it, and to those whose scope it concerns.
  const mine = (entities: string[], user: string) => user === ctx.principal.userId || ctx.scope.networkWide || entities.some((e) => ctx.scope.canSee(e));
  const views = commandsWithAnswers(ctx.db, s.device_id ?? '', RECENT)
    .filter((c) => mine(JSON.parse(c.entities_json) as string[], c.user_id))
    .map((c): CommandView => ({
      id: c.id, op: c.op, summary: c.summary, user: c.user_name, created_at: c.created_at, pushed_at: c.pushed_at,
      status: c.answer ? c.answer.status : c.pushed_at ? 'sent' : 'pending', answered_at: c.answer?.applied_at ?? null,
      reason: c.answer?.status === 'refused' ? { code: c.answer.error_code ?? 'refused', message: c.answer.error_message ?? '' } : null,
    }));
  return {
    installation: 'replica', hub_url: s.hub_url, device: { id: s.device_id ?? '', name: s.device_name ?? '' }, scope: s.scope ?? '',
    status: s.status === 'revoked' ? 'revoked' : 'active', revoked_at: s.revoked_at,
    online: s.offline_since === null && s.last_contact_at !== null, last_contact_at: s.last_contact_at, offline_since: s.offline_since,
    data_as_of: s.data_as_of, hub_seq: s.hub_seq, last_error: lastError,
    pending: views.filter((v) => v.status === 'pending' || v.status === 'sent').reverse(),
    refused: views.filter((v) => v.status === 'refused'),
    accepted: views.filter((v) => v.status === 'accepted').length,
  };
}
