// The shape of an API operation. Every area module exports a record of these; `core/api/index.ts`
// merges them into the one handler table both transports (IPC and HTTP) call.
import type { z } from 'zod';
import type { Sqlite } from '../store/sqlite.js';
import type { Principal, Role, Scope } from './principal.js';

export interface ApiContext {
  db: Sqlite;
  principal: Principal;
  scope: Scope;
  /** The clock; frozen in tests. */
  now: () => Date;
  /** Marks the database as the demo one (shown on every screen). */
  demo: boolean;
}

export interface Handler<I = any, O = any> {
  /** What the operation does, for the API listing. */
  summary: string;
  input: z.ZodType<I, any>;
  /** Roles allowed to call it at all; entity scope is then checked inside `run`. */
  roles: readonly Role[];
  /** True when the operation changes data (write roles, audit trail). */
  mutates: boolean;
  run(ctx: ApiContext, input: I): O;
}

export const ALL_ROLES: readonly Role[] = ['admin', 'finance', 'controller', 'store_manager', 'auditor'];
export const HEAD_OFFICE: readonly Role[] = ['admin', 'finance'];
export const ADMIN_ONLY: readonly Role[] = ['admin'];

/** Identity function that keeps the input type inferred from the schema. */
export function defineHandler<S extends z.ZodType, O>(h: {
  summary: string;
  input: S;
  roles: readonly Role[];
  mutates: boolean;
  run(ctx: ApiContext, input: z.output<S>): O;
}): Handler<z.output<S>, O> {
  return h as Handler<z.output<S>, O>;
}
