// The identity of a lifecycle event: its `id` when it has one, otherwise its content, so that the
// same event delivered twice is applied once (docs/spec.md section 7). Times are compared as instants:
// `10:00:00Z` and `10:00:00.000Z` are the same moment.
import type { LifecycleEvent } from './scenario.js';
import { toMs } from './time.js';

export interface EventIdentity {
  /** Key under which the event is applied once. */
  identity: string;
  /** Its content without the id, to detect an id reused for a different event. */
  content: string;
}

export function eventContent(e: LifecycleEvent): string {
  const ms = toMs(e.at);
  const location = 'location' in e ? (e.location ?? null) : null;
  const reason = e.type === 'fulfilment_refused' ? e.reason : null;
  const quantity = e.type === 'line_returned' ? e.quantity : null;
  return JSON.stringify([e.type, e.order, e.line, ms, location, reason, quantity]);
}

export function eventIdentity(e: LifecycleEvent): EventIdentity {
  const content = eventContent(e);
  return { identity: e.id !== undefined ? `id:${e.id}` : `content:${content}`, content };
}

/** Same content (type, order, line, instant, location, reason, quantity), ids aside. */
export function sameContent(a: LifecycleEvent, aMs: number, b: LifecycleEvent, bMs: number): boolean {
  if (a.type !== b.type || aMs !== bMs || a.line !== b.line || a.order !== b.order) return false;
  const la = 'location' in a ? (a.location ?? null) : null;
  const lb = 'location' in b ? (b.location ?? null) : null;
  if (la !== lb) return false;
  if (a.type === 'fulfilment_refused' && b.type === 'fulfilment_refused' && a.reason !== b.reason) return false;
  if (a.type === 'line_returned' && b.type === 'line_returned' && a.quantity !== b.quantity) return false;
  return true;
}
