// What a replica does with a mutating API operation (pure). Its data is the hub's: it never
// recomputes money nor changes what the hub wrote. So a mutating operation on a replica is one of
//  - local: the replica's own sessions (sign in, sign out) and its users' read marks on inbox
//    requests (inbox_reads: kept where the user reads, not sent; core/store/replicated-set.ts);
//  - a command: a decision its users may take offline (answering an inbox request, reporting a
//    shipment), checked here and queued for the hub, which applies it and answers;
//  - refused with `hub_only`, naming the hub: release runs, period closing, rule publication,
//    imports, the registry, users, PSP and ERP operations, everything else.
// A revoked replica is read-only: only signing in and out. A database still joining its
// network accepts nothing but the first-start choices.
import { ApiError } from '../api/errors.js';
import type { Installation } from './installation.js';

export const LOCAL_OPERATIONS: ReadonlySet<string> = new Set(['auth.login', 'auth.logout', 'inbox.markRead']);

export type ReplicaDecision = { kind: 'run' } | { kind: 'command' } | { kind: 'refuse'; error: ApiError };

export function replicaDecision(installation: Installation, operation: string, mutates: boolean, commandable: boolean): ReplicaDecision {
  // The first-start choices answer for themselves (only a new, empty database accepts them).
  if (installation.kind === 'hub' || !mutates || operation.startsWith('setup.')) return { kind: 'run' };
  if (installation.kind === 'joining') {
    return { kind: 'refuse', error: new ApiError('joining', `this database is joining the network of ${installation.hubUrl}; ${operation} waits until it has joined`) };
  }
  if (LOCAL_OPERATIONS.has(operation)) return { kind: 'run' };
  if (installation.revoked) {
    return { kind: 'refuse', error: new ApiError('device_revoked', `head office revoked this device (${installation.deviceName}): its data stays readable, nothing can be changed here`) };
  }
  if (commandable) return { kind: 'command' };
  return {
    kind: 'refuse',
    error: new ApiError('hub_only', `${operation} runs on the hub (${installation.hubUrl}), not on this replica (${installation.scope}): ask head office, or use the hub's back office`),
  };
}
