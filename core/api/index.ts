// The handler table and the one entry point both transports call: `callApi(ctx, name, input)`.
// It checks the caller's role, validates the input against the handler's schema, runs a
// mutating handler inside one transaction (nothing half written), and returns errors as values.
import { ApiError, type Result } from './errors.js';
import type { ApiContext, Handler } from './handler.js';
import { zodIssues } from './zod-issues.js';
import { networkHandlers } from './network.js';
import { scenarioHandlers } from './scenario.js';
import { rulesHandlers } from './rules.js';
import { ordersHandlers } from './orders.js';

export const handlers: Readonly<Record<string, Handler>> = {
  ...networkHandlers,
  ...scenarioHandlers,
  ...rulesHandlers,
  ...ordersHandlers,
};

export type HandlerName = keyof typeof handlers;

export function callApi(ctx: ApiContext, name: string, input: unknown): Result<unknown> {
  const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
  if (!handler) return { ok: false, error: { code: 'unknown_operation', message: `no API operation named ${JSON.stringify(name)}` } };
  if (!handler.roles.includes(ctx.principal.role)) {
    return { ok: false, error: { code: 'forbidden', message: `the role ${ctx.principal.role} may not call ${name}` } };
  }
  const parsed = handler.input.safeParse(input ?? {});
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    return { ok: false, error: { code: 'invalid_input', message: `invalid input for ${name}`, issues } };
  }
  try {
    const value = handler.mutates
      ? ctx.db.transaction(() => handler.run(ctx, parsed.data))()
      : handler.run(ctx, parsed.data);
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: toErrorValue(e) };
  }
}

export function toErrorValue(e: unknown): { code: string; message: string; issues?: ApiError['issues'] } {
  if (e instanceof ApiError) return e.issues ? { code: e.code, message: e.message, issues: e.issues } : { code: e.code, message: e.message };
  const err = e as { name?: string; code?: unknown; message?: string; issues?: ApiError['issues'] };
  if (err && Array.isArray(err.issues)) return { code: typeof err.code === 'string' ? err.code : 'invalid', message: err.message ?? 'invalid', issues: err.issues };
  if (err && typeof err.code === 'string' && err.name !== 'SqliteError') return { code: err.code, message: err.message ?? String(e) };
  return { code: 'internal', message: err?.message ?? String(e) };
}
