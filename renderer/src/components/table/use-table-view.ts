// Which rows the DataTable shows, in which order: sorting on precomputed keys (large tables in a
// worker, sort.ts), filtering on a precomputed accent-free text per row. Filtering keeps the
// sorted order, so typing never re-sorts.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { I18n } from '../../i18n';
import { sortAsync, sortOrder, WORKER_THRESHOLD, type SortKey } from '../sort';
import { fold, searchText, type Column } from './columns';

export interface SortState { column: string; dir: 'asc' | 'desc' }

/**
 * The filter's search text, one folded string per row: built in small chunks while the browser
 * is idle once the data arrives, so the first keystroke does not wait for 100,000 rows; if
 * someone types before it is done, the rest is built at once (the function returned).
 */
export function useSearchIndex<R>(rows: readonly R[], columns: readonly Column<R>[], i18n: I18n): () => string[] {
  const indexRef = useRef<{ rows: readonly R[]; columns: readonly Column<R>[]; i18n: I18n; texts: string[] } | null>(null);
  const entryFor = useCallback(() => {
    const e = indexRef.current;
    if (e && e.rows === rows && e.columns === columns && e.i18n === i18n) return e;
    indexRef.current = { rows, columns, i18n, texts: [] };
    return indexRef.current;
  }, [rows, columns, i18n]);
  const searchIndex = useCallback(() => {
    const e = entryFor();
    for (let i = e.texts.length; i < rows.length; i++) e.texts.push(searchText(columns, rows[i]!, i18n));
    return e.texts;
  }, [entryFor, rows, columns, i18n]);
  useEffect(() => {
    if (rows.length < 2000) return;
    const e = entryFor();
    let timer = 0;
    const step = () => {
      if (indexRef.current !== e) return;
      const end = Math.min(rows.length, e.texts.length + 2000);
      for (let i = e.texts.length; i < end; i++) e.texts.push(searchText(columns, rows[i]!, i18n));
      if (end < rows.length) timer = window.setTimeout(step, 0);
    };
    timer = window.setTimeout(step, 200);
    return () => window.clearTimeout(timer);
  }, [entryFor, rows, columns, i18n]);
  return searchIndex;
}

/**
 * The rows' order under `sort` (null: as given). Small tables sort here; large ones in a
 * worker while the current order stays on screen (`sorting` says so meanwhile).
 */
export function useSortOrder<R>(rows: readonly R[], columns: readonly Column<R>[], sort: SortState | null, locale: string): { order: ArrayLike<number> | null; sorting: boolean } {
  const sortCol = sort ? columns.find((c) => c.id === sort.column) : undefined;
  const sortKeys = useMemo<SortKey[] | null>(() => {
    if (!sortCol) return null;
    return rows.map((r) => (sortCol.text ? sortCol.text(r) : sortCol.kind === 'status' ? sortCol.status?.(r)?.label ?? (sortCol.value(r) as SortKey) : sortCol.value(r)));
  }, [rows, sortCol]);
  const dir: 1 | -1 = sort?.dir === 'desc' ? -1 : 1;
  const large = rows.length >= WORKER_THRESHOLD;
  const syncOrder = useMemo(() => (sortKeys && !large ? sortOrder(sortKeys, locale, dir) : null), [sortKeys, large, locale, dir]);
  const [asyncOrder, setAsyncOrder] = useState<{ rows: readonly R[]; keys: SortKey[]; dir: number; order: Int32Array } | null>(null);
  useEffect(() => {
    if (!sortKeys || !large) return;
    let live = true;
    void sortAsync(sortKeys, locale, dir).then((order) => { if (live) setAsyncOrder({ rows, keys: sortKeys, dir, order }); });
    return () => { live = false; };
  }, [sortKeys, large, locale, dir, rows]);
  const order: ArrayLike<number> | null = !sortKeys ? null : syncOrder ?? (asyncOrder?.rows === rows ? asyncOrder.order : null);
  const sorting = sortKeys !== null && large && (asyncOrder?.keys !== sortKeys || asyncOrder.dir !== dir);
  return { order, sorting };
}

/** The indexes of the rows shown, in order: those whose text has every word of the query. */
export function useFilteredView(order: ArrayLike<number> | null, rowCount: number, query: string, searchIndex: () => string[]): ArrayLike<number> {
  return useMemo<ArrayLike<number>>(() => {
    const terms = fold(query).split(/\s+/).filter(Boolean);
    const base: ArrayLike<number> = order ?? { length: rowCount };
    const at = (p: number) => (order ? order[p]! : p);
    if (terms.length === 0) return order ?? Array.from({ length: rowCount }, (_, i) => i);
    const texts = searchIndex();
    const out: number[] = [];
    for (let p = 0; p < base.length; p++) {
      const i = at(p);
      const text = texts[i]!;
      if (terms.every((term) => text.includes(term))) out.push(i);
    }
    return out;
  }, [order, rowCount, query, searchIndex]);
}
