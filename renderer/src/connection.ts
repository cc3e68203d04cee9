// Whether the API can be reached, told truthfully (issue 15, review item 1). A call that gets no
// answer at all (the server stopped, the network dropped) marks the app offline: the header says
// so, reads pause instead of failing (TanStack Query's onlineManager), and every view keeps the
// data it had with the time of the last answer. A probe asks `auth.status` every few seconds;
// the first answer marks the app online again, and the paused reads resume by themselves.
import { useEffect, useSyncExternalStore } from 'react';
import { onlineManager } from '@tanstack/react-query';

export interface Connection {
  /** When the API stopped answering (ms since the epoch); null while it answers. */
  offlineSince: number | null;
  /** When the last answer arrived (ms since the epoch; 0 before the first). */
  lastAnswerAt: number;
}

/** How often the probe asks whether the API is back. */
export const PROBE_MS = 2_000;

let state: Connection = { offlineSince: null, lastAnswerAt: 0 };
const listeners = new Set<() => void>();
let probe: ReturnType<typeof setInterval> | null = null;

// The browser's own online/offline events say nothing about our server: only answers count.
onlineManager.setEventListener(() => () => undefined);

function set(next: Connection): void {
  state = next;
  for (const l of listeners) l();
}

/** An answer came back (any answer, even a refusal: the server is there). */
export function reportAnswer(): void {
  if (probe) { clearInterval(probe); probe = null; }
  const wasOffline = state.offlineSince !== null;
  set({ offlineSince: null, lastAnswerAt: Date.now() });
  if (wasOffline) onlineManager.setOnline(true);
}

/** A call got no answer; `ask` is how to probe (a cheap public call), repeated until one answers. */
export function reportUnreachable(ask: () => void): void {
  if (state.offlineSince === null) {
    set({ ...state, offlineSince: Date.now() });
    onlineManager.setOnline(false);
  }
  probe ??= setInterval(ask, PROBE_MS);
}

function subscribe(onChange: () => void): () => void {
  listeners.add(onChange);
  return () => { listeners.delete(onChange); };
}

export function useConnection(): Connection {
  return useSyncExternalStore(subscribe, () => state, () => state);
}

/** Calls `fn` each time the API answers again after being offline. */
export function onReconnect(fn: () => void): () => void {
  let offline = state.offlineSince !== null;
  return subscribe(() => {
    if (offline && state.offlineSince === null) fn();
    offline = state.offlineSince !== null;
  });
}

/** Runs `fn` when the API answers again; `fn` null: nothing to do (the last load did not fail offline). */
export function useReconnect(fn: (() => void) | null): void {
  useEffect(() => (fn ? onReconnect(fn) : undefined), [fn]);
}
