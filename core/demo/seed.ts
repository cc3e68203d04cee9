// The demo database: the generated network with a few hundred orders, marked as demo so every
// screen says so. The desktop app calls this on first start; `ventil demo` from the command line.
import type { ApiContext } from '../api/handler.js';
import { callApi } from '../api/index.js';
import { ApiError } from '../api/errors.js';
import { countRows, markDemoNetwork } from '../store/network-repo.js';
import { seedBackOffice } from './back-office.js';
import { generateScenario } from './generate.js';

export const DEMO_OPTIONS = { seed: 2026, franchisees: 12, orders: 400 } as const;

export function seedDemo(ctx: ApiContext): { created: boolean } {
  const orders = countRows(ctx.db, 'orders');
  const entities = countRows(ctx.db, 'entities');
  if (ctx.demo) return { created: false };
  if (orders > 0 || entities > 0) {
    throw new ApiError('not_empty', 'this database already holds a network that is not the demo; use an empty file for the demo (--db PATH)');
  }
  const scenario = generateScenario(DEMO_OPTIONS);
  const result = callApi(ctx, 'scenario.import', { scenario, source: 'demo' });
  if (!result.ok) throw new ApiError(result.error.code, `the demo scenario did not import: ${result.error.message}`, result.error.issues);
  markDemoNetwork(ctx.db);
  ctx.demo = true;
  seedBackOffice(ctx, scenario);
  return { created: true };
}
