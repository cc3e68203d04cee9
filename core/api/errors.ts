// Errors at the API boundary are values: `{ ok: false, error: { code, message, issues? } }`.
// Inside, code throws `ApiError` (or a ValidationError from the domain), and `callApi` turns
// it into that value.
import type { Issue } from '../domain/scenario.js';

export type { Issue };

export interface ErrorValue { code: string; message: string; issues?: Issue[] }

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorValue };

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly issues?: Issue[]) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string) => new ApiError('not_found', `${what} ${JSON.stringify(id)} does not exist`);
export const forbidden = (message: string) => new ApiError('forbidden', message);

/** Formats issues one per line, the way the command line prints them. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message} [${i.code}]`).join('\n');
}
