// The shape of an API operation. Every area module exports a record of these; `core/api/index.ts`
// merges them into the one handler table both transports (IPC and HTTP) call.
import type { z } from 'zod';
import type { Db } from '../store/db.js';
import type { Principal, Role, Scope } from './principal.js';
import { HEAD_OFFICE_WRITERS, ROLES } from '../../common/vocabulary.js';
import type { Installation } from '../replication/installation.js';

export interface ApiContext {
  db: Db;
  principal: Principal;
  scope: Scope;
  /** The clock; frozen in tests. */
  now: () => Date;
  /** Marks the database as the demo one (shown on every screen). */
  demo: boolean;
  /** The caller's signed-in session; null for the command line and for anonymous callers. */
  session: SessionInfo | null;
  /** A hub (or standalone installation), a replica of one, or a database joining a network. */
  installation: Installation;
  /**
   * Where the call comes from, as sign-in throttling counts it: `http:<address>`, `desktop`
   * (IPC), or `local` (the command line and tests).
   */
  source?: string;
  /** Waits before a throttled sign-in is checked; a test gives a fake one. Default: a timer. */
  wait?: (ms: number) => Promise<void>;
  /**
   * Adds detail to the audit row `callApi` writes for this mutating call: the entities it
   * concerns (who may read the row) and the state before and after. Call it any number of
   * times; a handler that never calls it still gets a row (who, when, operation, input).
   */
  audit(note: AuditNote): void;
}

export interface SessionInfo { id: string; expires_at: string }

export interface AuditNote {
  /** Entities the change concerns; the row is visible to users whose scope holds one of them. */
  entities?: readonly string[];
  before?: unknown;
  after?: unknown;
  /** Who acted, when it is not the principal (sign-in: the user signing in). */
  actor?: { id: string; name: string; role: string };
}

/**
 * `I` is what `run` receives (the schema's output, defaults applied), `O` what it returns, `W`
 * what a caller may send (the schema's input), `M` whether it changes data: `Api`
 * (core/api/index.ts) reads `W`, `O` and `M`. `P` is what `prepareAsync`/`prepareSync` hand to `run`.
 */
export interface Handler<I = unknown, O = unknown, W = unknown, M extends boolean = boolean, P = unknown> {
  /** What the operation does, for the API listing. */
  summary: string;
  input: z.ZodType<I, W>;
  /** Roles allowed to call it at all; entity scope is then checked inside `run`. */
  roles: readonly Role[];
  /** True when the operation changes data (write roles, audit trail). */
  mutates: M;
  /**
   * Callable without a session (sign-in, first setup, status). `roles` is then not checked;
   * the handler must reveal nothing private. HTTP still requires the run token for these.
   */
  public?: boolean;
  /**
   * Keep the writes a mutating handler made before it threw, and the audit row of the refusal
   * (a failed sign-in must count towards its throttle). Rarely right: default false.
   */
  keepWritesOnError?: boolean;
  /**
   * Slow work done before the handler's transaction (password hashing and throttling waits).
   * The transports call `callApiAsync`, which awaits `prepareAsync` without holding the thread; the
   * command line and tests call `callApi`, which runs `prepareSync`. Give both or neither; what
   * they return is `run`'s third argument. Checks of the caller and of the input come first.
   */
  prepareAsync?(ctx: ApiContext, input: I): Promise<P>;
  prepareSync?(ctx: ApiContext, input: I): P;
  /** Callable only with an enrolled device's credential (the replication operations), by no user. */
  device?: boolean;
  /** Over HTTP, callable without any token: its input carries its own credential (enrolment). */
  open?: boolean;
  /**
   * A decision a replica may take offline: on a replica, `check` runs the checks the replica can
   * make with the data it holds and says what the decision concerns; the call is then queued
   * for the hub as a command instead of running here (core/replication/outbox.ts).
   */
  replica?: { check(ctx: ApiContext, input: I): CommandInfo };
  run(ctx: ApiContext, input: I, prepared: P): O;
}

/** What a queued decision concerns: who sees it, and how to name it on screen. */
export interface CommandInfo { entities: readonly string[]; summary: string }

export const ALL_ROLES: readonly Role[] = ROLES;
// Admin and finance, who change what head office owns (auditors read the network, change nothing).
export { HEAD_OFFICE_WRITERS };
export const ADMIN_ONLY: readonly Role[] = ['admin'];

/** Identity function that keeps the input and output types inferred from the schema and `run`. */
export function defineHandler<S extends z.ZodType, O, M extends boolean, P = undefined>(h: {
  summary: string;
  input: S;
  roles: readonly Role[];
  mutates: M;
  public?: boolean;
  keepWritesOnError?: boolean;
  prepareAsync?(ctx: ApiContext, input: z.output<S>): Promise<P>;
  prepareSync?(ctx: ApiContext, input: z.output<S>): P;
  device?: boolean;
  open?: boolean;
  replica?: { check(ctx: ApiContext, input: z.output<S>): CommandInfo };
  run(ctx: ApiContext, input: z.output<S>, prepared: P): O;
}): Handler<z.output<S>, O, z.input<S>, M, P> {
  return h as Handler<z.output<S>, O, z.input<S>, M, P>;
}

/** What a caller sends to an operation: its schema's input (optional fields may be left out). */
export type InputOf<H> = H extends Handler<infer _I, infer _O, infer W> ? W : never;
/** What an operation answers. */
export type OutputOf<H> = H extends Handler<infer _I, infer O, infer _W> ? O : never;
