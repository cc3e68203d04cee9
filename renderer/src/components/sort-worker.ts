// Sorts the DataTable's keys off the main thread: with 100,000 rows a collator sort takes a
// second or two, which must not freeze typing, scrolling or the Cancel button.
import { sortOrder, type SortKey } from './sort';

self.onmessage = (e: MessageEvent<{ id: number; keys: SortKey[]; locale: string; dir: 1 | -1 }>) => {
  const { id, keys, locale, dir } = e.data;
  const order = sortOrder(keys, locale, dir);
  (self as unknown as Worker).postMessage({ id, order }, [order.buffer]);
};
