// Reading and changing API data from views, through TanStack Query (docs/decisions/0011).
//
// - A read is a query keyed `[operation, input]`: two components asking for the same operation
//   with the same input share one request and one cached answer (the entity list one view
//   needs in three places is fetched once), and an answer stays fresh for a minute.
// - A change goes through `useMutate` (or `useApiForm().submit`): once it succeeds, every query
//   is marked stale and the ones on screen are read again before the promise resolves. A
//   change reaches across areas (an inbox answer re-settles the order, moves escrow, queues
//   outbox rows), and a view holds few queries, so invalidating all of them is both right
//   and cheap.
// - Each signed-in user gets a new cache (`ApiQueryProvider` is keyed by the user): nothing
//   one user read is ever shown to the next.
import { createElement, useCallback, useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider, keepPreviousData, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { CallError, call, get, type CallArgs, type ErrorValue, type Input, type Output, type Result } from './api';
import type { MutationName, QueryName } from '../../core/api/index';

export type { MutationName, QueryName };

export interface Loaded<T> {
  data: T | undefined;
  error: ErrorValue | null;
  /** True while a request is out (the first load or a refresh; earlier data stays shown). */
  loading: boolean;
  /** When the answer shown arrived (ms since the epoch; 0 before the first): "now" for the data. */
  updatedAt: number;
  /** Reads it again (after an error, or on the user's request). */
  reload(): void;
}

/** How long an answer is shown without asking again, unless a change invalidates it first. */
const FRESH_MS = 60_000;

function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: FRESH_MS,
        // An API error is an answer (refused, invalid): show it at once. No answer at all
        // (offline) is tried again; the retry waits while the app is offline (connection.ts),
        // so the view keeps its last data and refreshes by itself when the API is back.
        retry: (_count, error) => error instanceof CallError && error.error.code === 'network',
        retryDelay: 1_000,
        refetchOnWindowFocus: false,
      },
    },
  });
}

export function ApiQueryProvider({ children }: { children: ReactNode }) {
  const [client] = useState(newQueryClient);
  return createElement(QueryClientProvider, { client }, children);
}

/** The cache key of a read: the operation and its input. */
export const queryKey = <K extends QueryName>(name: K, input?: Input<K>) => [name, input ?? {}] as const;

export interface QueryOptions {
  /** Reads again every so many milliseconds while the component is shown. */
  refreshEvery?: number;
  /** Reads again when the window gets the focus back. */
  refreshOnFocus?: boolean;
}

function errorOf(e: unknown): ErrorValue {
  return e instanceof CallError ? e.error : { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** `name` null: nothing to load yet (e.g. no entity chosen). */
export function useApi<K extends QueryName>(name: K | null, input?: Input<K>, options: QueryOptions = {}): Loaded<Output<K>> {
  const q = useQuery({
    queryKey: [name, input ?? {}],
    queryFn: ({ signal }) => get(name!, ...([input, { signal }] as CallArgs<K>)),
    enabled: name !== null,
    // A new input keeps the previous answer on screen until the new one arrives.
    placeholderData: keepPreviousData,
    refetchInterval: options.refreshEvery ?? false,
    refetchOnWindowFocus: options.refreshOnFocus ?? false,
  });
  const { refetch } = q;
  const reload = useCallback(() => { void refetch(); }, [refetch]);
  if (name === null) return { data: undefined, error: null, loading: false, updatedAt: 0, reload };
  return { data: q.data, error: q.error ? errorOf(q.error) : null, loading: q.isFetching, updatedAt: q.dataUpdatedAt, reload };
}

/** The same read for several inputs (one request and one cache entry each): every answer, or the first error. */
export function useApiEach<K extends QueryName>(name: K, inputs: readonly Input<K>[]): { data: Output<K>[] | undefined; error: ErrorValue | null } {
  return useQueries({
    queries: inputs.map((input) => ({
      queryKey: [name, input],
      queryFn: ({ signal }: { signal: AbortSignal }) => get(name, ...([input, { signal }] as CallArgs<K>)),
    })),
    combine: (results) => {
      const failed = results.find((r) => r.error);
      if (failed) return { data: undefined, error: errorOf(failed.error) };
      return { data: results.every((r) => r.isSuccess) ? results.map((r) => r.data as Output<K>) : undefined, error: null };
    },
  });
}

/**
 * Calls an operation that changes data; once it succeeds, what the views show is read again
 * (every query invalidated, the shown ones refetched) before the answer is returned.
 */
export function useMutate(): <K extends MutationName>(name: K, ...args: CallArgs<K>) => Promise<Result<Output<K>>> {
  const client = useQueryClient();
  return useCallback(async <K extends MutationName>(name: K, ...args: CallArgs<K>) => {
    const r = await call(name, ...args);
    if (r.ok) await client.invalidateQueries();
    return r;
  }, [client]);
}
