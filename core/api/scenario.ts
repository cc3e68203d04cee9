// Importing a `ventil.scenario/1` file: validate everything first (every problem with its JSON
// path), then store what is new in one transaction, or nothing at all.
import { z } from 'zod';
import { validateScenario, type LifecycleEvent, type Order, type Scenario } from '../domain/scenario.js';
import { eventsByOrder } from '../domain/settle.js';
import { importScenario, recordImport } from '../store/scenario-repo.js';
import { contentHash } from '../store/hash.js';
import { prepareSettlementRun, settleStoredOrders } from './settlement-runner.js';
import { ApiError } from './errors.js';
import { HEAD_OFFICE_WRITERS, defineHandler } from './handler.js';

/** The file's new orders with their events: settled from memory, not read back. */
function newOrderInputs(s: Scenario, newOrders: ReadonlySet<string>) {
  const events = eventsByOrder(s.events);
  const out = new Map<string, { order: Order; events: LifecycleEvent[] }>();
  for (const order of s.orders) if (newOrders.has(order.id)) out.set(order.id, { order, events: events.get(order.id) ?? [] });
  return out;
}

export const scenarioHandlers = {
  'scenario.import': defineHandler({
    summary: 'Import a ventil.scenario/1 document (idempotent; conflicts and bad input store nothing)',
    input: z.object({ scenario: z.unknown(), source: z.string().max(500).default('api') }).strict(),
    roles: HEAD_OFFICE_WRITERS,
    mutates: true,
    run: (ctx, input) => {
      const checked = validateScenario(input.scenario);
      if (!checked.ok) {
        throw new ApiError('invalid_scenario', `the scenario has ${checked.issues.length} problem(s); nothing was stored`, checked.issues);
      }
      // A large import's settlement computes on a worker thread: it loads while the orders are written.
      prepareSettlementRun(checked.scenario.orders.length);
      const at = ctx.now().toISOString();
      const { summary, conflicts, touchedOrders, newOrders } = importScenario(ctx.db, checked.scenario, at);
      if (conflicts.length > 0) {
        throw new ApiError('import_conflict', `the scenario conflicts with what is stored (${conflicts.length} problem(s)); nothing was stored`, conflicts);
      }
      // Same transaction: the stored settlement always follows the stored orders and events.
      const settled = settleStoredOrders(ctx.db, { orderIds: touchedOrders, now: ctx.now(), reason: 'import', preloaded: newOrderInputs(checked.scenario, newOrders) });
      const changed = summary.settings === 'added' || Object.values(summary).some((c) => typeof c === 'object' && c.added > 0);
      if (changed) {
        recordImport(ctx.db, { file_hash: contentHash(input.scenario), source: input.source, at, summary_json: JSON.stringify(summary) });
      }
      return { changed, summary, settled: { orders: settled.settled, revised: settled.revised } };
    },
  }),
};
