// Loading a read-only API value into a view: the value, the error, and a reload. A newer
// request or the view's unmount aborts the older one, so a slow answer never overwrites a
// newer one.
import { useCallback, useEffect, useRef, useState } from 'react';
import { call, type CallArgs, type ErrorValue, type Input, type OperationName, type Output } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: ErrorValue | null;
  loading: boolean;
  reload(): void;
}

/** `name` null: nothing to load yet (e.g. no entity chosen). */
export function useApi<K extends OperationName>(name: K | null, input?: Input<K>): Loaded<Output<K>> {
  const [data, setData] = useState<Output<K> | undefined>(undefined);
  const [error, setError] = useState<ErrorValue | null>(null);
  const [loading, setLoading] = useState(name !== null);
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(input);
  const inputRef = useRef(input);
  inputRef.current = input;

  useEffect(() => {
    if (name === null) { setData(undefined); setError(null); setLoading(false); return; }
    const controller = new AbortController();
    setLoading(true);
    call(name, ...([inputRef.current, { signal: controller.signal }] as CallArgs<K>)).then((r) => {
      if (controller.signal.aborted) return;
      if (r.ok) { setData(r.value); setError(null); } else setError(r.error);
      setLoading(false);
    });
    return () => controller.abort();
  }, [name, key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}
