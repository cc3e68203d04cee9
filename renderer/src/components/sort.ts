// The DataTable's sort, shared by the main thread (small tables) and the sort worker (large
// ones): numbers numerically, text with the locale's collation (numeric-aware: "E9" < "E10"),
// booleans true first, empty cells last in both directions, ties in the data's order (stable).
export type SortKey = string | number | boolean | null | undefined;

export function sortOrder(keys: readonly SortKey[], locale: string, dir: 1 | -1): Int32Array {
  const collator = new Intl.Collator(locale, { numeric: true, sensitivity: 'base' });
  const order = new Int32Array(keys.length);
  for (let i = 0; i < keys.length; i++) order[i] = i;
  const empty = (k: SortKey) => k === null || k === undefined || k === '';
  order.sort((a, b) => {
    const ka = keys[a]; const kb = keys[b];
    const ea = empty(ka); const eb = empty(kb);
    if (ea || eb) return ea === eb ? a - b : ea ? 1 : -1;
    let c: number;
    if (typeof ka === 'number' && typeof kb === 'number') c = ka - kb;
    else if (typeof ka === 'boolean' && typeof kb === 'boolean') c = Number(kb) - Number(ka);
    else c = collator.compare(String(ka), String(kb));
    return c * dir || a - b;
  });
  return order;
}

/** Above this many rows the sort runs in a worker. */
export const WORKER_THRESHOLD = 20_000;

let worker: Worker | null | undefined;
let nextId = 0;

/** Sorts in a worker when one can be started (http and file pages alike), else here. */
export function sortAsync(keys: readonly SortKey[], locale: string, dir: 1 | -1): Promise<Int32Array> {
  if (keys.length < WORKER_THRESHOLD) return Promise.resolve(sortOrder(keys, locale, dir));
  if (worker === undefined) {
    try {
      worker = new Worker(new URL('./sort-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      worker = null;
    }
  }
  const w = worker;
  if (!w) return Promise.resolve(sortOrder(keys, locale, dir));
  const id = ++nextId;
  return new Promise((resolve) => {
    const done = (e: MessageEvent<{ id: number; order: Int32Array }>) => {
      if (e.data.id !== id) return;
      w.removeEventListener('message', done);
      w.removeEventListener('error', failed);
      resolve(e.data.order);
    };
    const failed = () => {
      // A worker that cannot load (a sandbox refusing it): sort here from now on.
      w.removeEventListener('message', done);
      w.removeEventListener('error', failed);
      worker = null;
      resolve(sortOrder(keys, locale, dir));
    };
    w.addEventListener('message', done);
    w.addEventListener('error', failed);
    w.postMessage({ id, keys, locale, dir });
  });
}
