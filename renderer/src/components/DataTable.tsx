// The table every list in Ventil uses. Rows are virtualized (@tanstack/react-virtual): only the
// visible ones are in the DOM, so 100,000 rows scroll, sort and filter without freezing. Sorting
// works on precomputed keys, filtering on a precomputed accent-free text per row, and typing in
// the filter is deferred so keystrokes never wait for the table. Numbers and amounts are
// right-aligned in tabular figures. "Export CSV" writes the filtered, sorted rows.
import { useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useI18n, type I18n } from '../i18n';
import { moneyForExport } from '../format/money';
import { Badge, type Tone } from './Badge';
import { BOM, csvText, downloadFile, exportFileName, type Separator } from './csv';
import { checkpoint, LongTaskBar, useLongTask } from './LongTask';
import { sortAsync, sortOrder, WORKER_THRESHOLD, type SortKey } from './sort';

export type ColumnKind = 'text' | 'code' | 'number' | 'money' | 'date' | 'datetime' | 'status' | 'bool';
type Raw = string | number | boolean | null | undefined;

export interface Column<R> {
  id: string;
  header: string;
  kind?: ColumnKind;
  /** The raw value: what sorting compares. Money: minor units. Dates: ISO strings. */
  value: (row: R) => Raw;
  /** Money columns: the row's currency (default EUR). */
  currency?: (row: R) => string;
  /** Status columns: the badge to show. */
  status?: (row: R) => { label: string; tone: Tone } | null;
  /** Text shown (and filtered, exported) instead of the raw value, e.g. a name for an id. */
  text?: (row: R) => string;
  /** Extra text found by the filter, e.g. the id behind a name. */
  search?: (row: R) => string;
  /** Fully custom cell content (display only). */
  render?: (row: R) => ReactNode;
  /** Minimum width in pixels (the column grows from there). */
  width?: number;
  /** Share of the spare width (default 1; 0 keeps the minimum). */
  grow?: number;
}

export interface SortState { column: string; dir: 'asc' | 'desc' }

export interface DataTableProps<R> {
  rows: readonly R[];
  columns: readonly Column<R>[];
  rowKey: (row: R) => string;
  /** Accessible name of the table. */
  label: string;
  onRowClick?: (row: R) => void;
  selectedKey?: string | null;
  initialSort?: SortState;
  /** Base name of the exported file; no export button without it. */
  exportName?: string;
  /** Largest height of the scrolling area (CSS); a short table takes only what it needs. */
  maxHeight?: string;
  /** Extra controls in the toolbar (e.g. a "New" button). */
  actions?: ReactNode;
  loading?: boolean;
  testId?: string;
}

const ROW_HEIGHT = 32;
const NUMERIC: ReadonlySet<ColumnKind> = new Set(['number', 'money']);

/** Lower case without accents: "Élodie" is found by "elodie". */
export function fold(s: string): string {
  // Most cells are plain ASCII: skip the (slow) Unicode normalization for them.
  return /[\u0080-\uffff]/.test(s) ? s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase() : s.toLowerCase();
}

function displayText<R>(col: Column<R>, row: R, i18n: I18n): string {
  if (col.text) return col.text(row);
  const v = col.value(row);
  if (v === null || v === undefined || v === '') return '';
  switch (col.kind) {
    case 'money': return i18n.money(Number(v), col.currency?.(row) ?? 'EUR');
    case 'number': return i18n.number(Number(v));
    case 'date': return i18n.date(String(v));
    case 'datetime': return i18n.dateTime(String(v));
    case 'bool': return i18n.t(v ? 'table.yes' : 'table.no');
    case 'status': return col.status?.(row)?.label ?? String(v);
    default: return String(v);
  }
}

/** A cell as exported: amounts and numbers as plain decimals, dates in ISO, the rest as shown. */
function cellText<R>(col: Column<R>, row: R, i18n: I18n, sep: Separator): string {
  const v = col.value(row);
  const comma = sep === ';';
  if (col.kind === 'money') return v === null || v === undefined ? '' : moneyForExport(Number(v), col.currency?.(row) ?? 'EUR', comma);
  if (col.kind === 'number') return v === null || v === undefined ? '' : comma ? String(v).replace('.', ',') : String(v);
  if (col.kind === 'date' || col.kind === 'datetime') return v === null || v === undefined ? '' : String(v);
  return displayText(col, row, i18n);
}

function searchText<R>(cols: readonly Column<R>[], row: R, i18n: I18n): string {
  let s = '';
  for (const c of cols) {
    const v = c.value(row);
    if (c.text) s += `${c.text(row)}\u0001`;
    else if (c.kind === 'status') s += `${c.status?.(row)?.label ?? ''}\u0001`;
    else if (c.kind === 'bool') s += `${i18n.t(v ? 'table.yes' : 'table.no')}\u0001`;
    if (v !== null && v !== undefined && typeof v !== 'boolean') s += `${String(v)}\u0001`;
    if (c.search) s += `${c.search(row)}\u0001`;
  }
  return fold(s);
}

export function DataTable<R>(props: DataTableProps<R>) {
  const { rows, columns, rowKey, label, onRowClick, selectedKey, exportName, actions, loading } = props;
  const i18n = useI18n();
  const { t, lang, locale } = i18n;
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [sort, setSort] = useState<SortState | null>(props.initialSort ?? null);
  const [separator, setSeparator] = useState<Separator>(lang === 'fr' ? ';' : ',');
  useEffect(() => setSeparator(lang === 'fr' ? ';' : ','), [lang]);
  const filterId = useId();
  const sepId = useId();
  const exportTask = useLongTask();

  // The filter's search text, one folded string per row: built in small chunks while the
  // browser is idle once the data arrives, so the first keystroke does not wait for 100,000 rows;
  // if someone types before it is done, the rest is built at once.
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

  // Sorting: small tables here, large ones in a worker (sort.ts) while the current order stays
  // on screen. Filtering keeps the sorted order, so typing never re-sorts.
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

  const view = useMemo<ArrayLike<number>>(() => {
    const terms = fold(deferredQuery).split(/\s+/).filter(Boolean);
    const base: ArrayLike<number> = order ?? { length: rows.length };
    const at = (p: number) => (order ? order[p]! : p);
    if (terms.length === 0) return order ?? Array.from({ length: rows.length }, (_, i) => i);
    const texts = searchIndex();
    const out: number[] = [];
    for (let p = 0; p < base.length; p++) {
      const i = at(p);
      const text = texts[i]!;
      if (terms.every((term) => text.includes(term))) out.push(i);
    }
    return out;
  }, [order, rows.length, deferredQuery, searchIndex]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const template = columns.map((c) => `minmax(${c.width ?? 120}px, ${c.grow ?? 1}fr)`).join(' ');
  const minWidth = columns.reduce((s, c) => s + (c.width ?? 120), 0);

  const toggleSort = (id: string) => {
    setSort((s) => (s?.column !== id ? { column: id, dir: 'asc' } : s.dir === 'asc' ? { column: id, dir: 'desc' } : null));
  };

  const focusRow = useCallback((i: number) => {
    virtualizer.scrollToIndex(i, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row="${i}"]`)?.focus());
  }, [virtualizer]);

  const onRowKey = (e: KeyboardEvent, pos: number, row: R) => {
    if ((e.key === 'Enter' || e.key === ' ') && onRowClick) { e.preventDefault(); onRowClick(row); }
    else if (e.key === 'ArrowDown' && pos + 1 < view.length) { e.preventDefault(); focusRow(pos + 1); }
    else if (e.key === 'ArrowUp' && pos > 0) { e.preventDefault(); focusRow(pos - 1); }
  };

  const exportCsv = async () => {
    if (!exportName) return;
    const sep = separator;
    const order = view;
    await exportTask.run(t('table.exporting'), async ({ signal, progress }) => {
      const parts: string[] = [BOM, csvText([columns.map((c) => c.header)], { separator: sep })];
      // Small chunks: the page answers (Cancel) between two, even on a slow store PC.
      const CHUNK = 1000;
      for (let start = 0; start < order.length; start += CHUNK) {
        const chunk: string[][] = [];
        const end = Math.min(order.length, start + CHUNK);
        for (let p = start; p < end; p++) {
          const row = rows[order[p]!]!;
          chunk.push(columns.map((c) => cellText(c, row, i18n, sep)));
        }
        parts.push(csvText(chunk, { separator: sep }));
        progress(end, order.length);
        if (order.length > CHUNK) await checkpoint(signal);
      }
      downloadFile(exportFileName(exportName), parts);
    });
  };

  const items = virtualizer.getVirtualItems();
  const emptyText = rows.length === 0 ? t('table.empty') : t('table.noMatch');

  return (
    <div className="dt" data-testid={props.testId}>
      <div className="dt-toolbar">
        <div className="dt-filter">
          <label htmlFor={filterId} className="visually-hidden">{t('table.filter')}</label>
          <input
            id={filterId} type="search" value={query} onChange={(e) => setQuery(e.target.value)}
            placeholder={t('table.filterPlaceholder')} aria-label={t('table.filter')} autoComplete="off" spellCheck={false}
          />
        </div>
        <span className="dt-count num" aria-live="polite">
          {t('table.rows', { shown: view.length, total: rows.length })}
          {sorting && <span className="dt-busy"> · {t('table.sorting')}</span>}
        </span>
        <div className="dt-actions">
          {exportName && (
            <>
              <label htmlFor={sepId} className="visually-hidden">{t('table.separator')}</label>
              <select id={sepId} value={separator} onChange={(e) => setSeparator(e.target.value as Separator)} title={t('table.separator')} className="select-small">
                <option value=";">{t('table.separator.semicolon')}</option>
                <option value=",">{t('table.separator.comma')}</option>
              </select>
              <button type="button" className="btn" onClick={exportCsv} disabled={exportTask.state.status === 'running' || view.length === 0}>
                {t('table.export')}
              </button>
            </>
          )}
          {actions}
        </div>
      </div>
      <LongTaskBar task={exportTask} />
      <div className="dt-scroll" ref={scrollRef} style={{ maxHeight: props.maxHeight ?? 'calc(100vh - 240px)' }}>
        <div role="table" aria-label={label} aria-rowcount={view.length + 1} aria-busy={loading || sorting || undefined} style={{ minWidth }}>
          <div role="rowgroup" className="dt-head">
            <div role="row" aria-rowindex={1} className="dt-row" style={{ gridTemplateColumns: template }}>
              {columns.map((c) => {
                const sorted = sort?.column === c.id ? sort.dir : null;
                return (
                  <div
                    key={c.id} role="columnheader"
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                    className={`dt-th${NUMERIC.has(c.kind ?? 'text') ? ' num' : ''}`}
                  >
                    <button type="button" onClick={() => toggleSort(c.id)} data-column={c.id} title={c.header}>
                      <span className="dt-th-text">{c.header}</span>
                      <span className="dt-sort" aria-hidden="true">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}</span>
                      {sorted && <span className="visually-hidden">, {t(sorted === 'asc' ? 'table.sortAsc' : 'table.sortDesc')}</span>}
                    </button>
                  </div>
                );
              })}
            </div>
          </div>
          <div role="rowgroup" className="dt-body" style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const row = rows[view[item.index]!]!;
              const key = rowKey(row);
              return (
                <div
                  key={key} role="row" aria-rowindex={item.index + 2} data-row={item.index} data-key={key}
                  className={`dt-row${onRowClick ? ' clickable' : ''}${key === selectedKey ? ' selected' : ''}${item.index % 2 ? ' odd' : ''}`}
                  aria-selected={onRowClick ? key === selectedKey : undefined}
                  tabIndex={onRowClick || item.index === 0 ? 0 : -1}
                  style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  onClick={onRowClick ? () => onRowClick(row) : undefined}
                  onKeyDown={(e) => onRowKey(e, item.index, row)}
                >
                  {columns.map((c) => <Cell key={c.id} col={c} row={row} i18n={i18n} />)}
                </div>
              );
            })}
          </div>
          {!loading && view.length === 0 && <div className="dt-empty">{emptyText}</div>}
        </div>
      </div>
    </div>
  );
}

function Cell<R>({ col, row, i18n }: { col: Column<R>; row: R; i18n: I18n }) {
  const kind = col.kind ?? 'text';
  let content: ReactNode;
  let title: string | undefined;
  if (col.render) content = col.render(row);
  else if (kind === 'status') {
    const s = col.status?.(row);
    content = s ? <Badge tone={s.tone}>{s.label}</Badge> : null;
  } else if (kind === 'bool') {
    const v = col.value(row);
    content = v ? <span className="bool-yes" aria-label={i18n.t('table.yes')}>✓</span> : <span className="bool-no" aria-label={i18n.t('table.no')}>—</span>;
  } else {
    const text = displayText(col, row, i18n);
    const negative = kind === 'money' && Number(col.value(row)) < 0;
    content = negative ? <span className="neg">{text}</span> : text;
    // Long text is cut with an ellipsis: the whole of it on hover.
    if (!NUMERIC.has(kind) && text.length > 24) title = text;
  }
  const cls = `dt-td${NUMERIC.has(kind) ? ' num' : ''}${kind === 'code' ? ' mono' : ''}${kind === 'bool' ? ' center' : ''}`;
  return <div role="cell" className={cls} title={title}>{content}</div>;
}
