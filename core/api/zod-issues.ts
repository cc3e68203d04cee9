// Turns zod's issues into Ventil's `{ path, code, message }`, with paths written the way a
// person reads them: `orders[3].lines[0].vat_rate`.
import type { z } from 'zod';
import type { Issue } from './errors.js';

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function zodIssues(error: z.ZodError, prefix = ''): Issue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path, prefix), code: i.code, message: i.message }));
}
