// The table every list in Ventil uses. Rows are virtualized (@tanstack/react-virtual): only the
// visible ones are in the DOM, so 100,000 rows scroll, sort and filter without freezing. Sorting
// works on precomputed keys, filtering on a precomputed accent-free text per row, and typing in
// the filter is deferred so keystrokes never wait for the table (table/use-table-view.ts).
// Numbers and amounts are right-aligned in tabular figures. "Export CSV" writes the filtered,
// sorted rows (table/use-csv-export.ts).
import { useCallback, useDeferredValue, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer, type VirtualItem } from '@tanstack/react-virtual';
import { useI18n, type I18n } from '../i18n';
import { Badge } from './Badge';
import type { Separator } from './csv';
import { LongTaskBar } from './LongTask';
import { displayText, fitColumns, NUMERIC, type Column } from './table/columns';
import { useCsvExport } from './table/use-csv-export';
import { useFilteredView, useSearchIndex, useSortOrder, type SortState } from './table/use-table-view';

export type { Column, ColumnKind } from './table/columns';
export type { SortState } from './table/use-table-view';

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

export function DataTable<R>(props: DataTableProps<R>) {
  const { rows, columns: allColumns, rowKey, label, onRowClick, selectedKey, exportName, actions, loading } = props;
  const i18n = useI18n();
  const { t, lang, locale } = i18n;
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [sort, setSort] = useState<SortState | null>(props.initialSort ?? null);
  const [separator, setSeparator] = useState<Separator>(lang === 'fr' ? ';' : ',');
  useEffect(() => setSeparator(lang === 'fr' ? ';' : ','), [lang]);

  const searchIndex = useSearchIndex(rows, allColumns, i18n);
  const { order, sorting } = useSortOrder(rows, allColumns, sort, locale);
  const view = useFilteredView(order, rows.length, deferredQuery, searchIndex);
  const csv = useCsvExport(rows, allColumns, i18n);

  const scrollRef = useRef<HTMLDivElement>(null);
  // The width the table has: low-priority columns give way before anyone scrolls sideways.
  const [available, setAvailable] = useState<number | null>(null);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setAvailable(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const columns = fitColumns(allColumns, available);
  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const focusRow = useCallback((i: number) => {
    virtualizer.scrollToIndex(i, { align: 'auto' });
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row="${i}"]`)?.focus());
  }, [virtualizer]);
  const onRowKey = (e: KeyboardEvent, pos: number, row: R) => {
    if ((e.key === 'Enter' || e.key === ' ') && onRowClick) { e.preventDefault(); onRowClick(row); }
    else if (e.key === 'ArrowDown' && pos + 1 < view.length) { e.preventDefault(); focusRow(pos + 1); }
    else if (e.key === 'ArrowUp' && pos > 0) { e.preventDefault(); focusRow(pos - 1); }
  };
  const toggleSort = (id: string) => {
    setSort((s) => (s?.column !== id ? { column: id, dir: 'asc' } : s.dir === 'asc' ? { column: id, dir: 'desc' } : null));
  };

  const template = columns.map((c) => `minmax(${c.width ?? 120}px, ${c.grow ?? 1}fr)`).join(' ');
  const minWidth = columns.reduce((s, c) => s + (c.width ?? 120), 0);
  const emptyText = rows.length === 0 ? t('table.empty') : t('table.noMatch');

  return (
    <div className="dt" data-testid={props.testId}>
      <div className="dt-toolbar">
        <FilterBox query={query} onChange={setQuery} />
        <span className="dt-count num" aria-live="polite">
          {t('table.rows', { shown: view.length, total: rows.length })}
          {sorting && <span className="dt-busy"> · {t('table.sorting')}</span>}
        </span>
        <div className="dt-actions">
          {exportName && (
            <ExportControls
              separator={separator} onSeparator={setSeparator}
              disabled={csv.task.state.status === 'running' || view.length === 0}
              onExport={() => csv.exportCsv(exportName, view, separator)}
            />
          )}
          {actions}
        </div>
      </div>
      <LongTaskBar task={csv.task} />
      <div className="dt-scroll" ref={scrollRef} style={{ maxHeight: props.maxHeight ?? 'calc(100vh - 240px)' }}>
        <div role="table" aria-label={label} aria-rowcount={view.length + 1} aria-busy={loading || sorting || undefined} style={{ minWidth }}>
          <div role="rowgroup" className="dt-head">
            <HeaderRow columns={columns} sort={sort} template={template} onSort={toggleSort} />
          </div>
          <div role="rowgroup" className="dt-body" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => (
              <BodyRow
                key={rowKey(rows[view[item.index]!]!)} item={item} row={rows[view[item.index]!]!} rowKey={rowKey} columns={columns} template={template}
                i18n={i18n} selectedKey={selectedKey} onRowClick={onRowClick} onKeyDown={onRowKey}
              />
            ))}
          </div>
          {!loading && view.length === 0 && <div className="dt-empty">{emptyText}</div>}
        </div>
      </div>
    </div>
  );
}

function FilterBox({ query, onChange }: { query: string; onChange: (q: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="dt-filter">
      <label htmlFor={id} className="visually-hidden">{t('table.filter')}</label>
      <input
        id={id} type="search" value={query} onChange={(e) => onChange(e.target.value)}
        placeholder={t('table.filterPlaceholder')} aria-label={t('table.filter')} autoComplete="off" spellCheck={false}
      />
    </div>
  );
}

function ExportControls({ separator, onSeparator, disabled, onExport }: { separator: Separator; onSeparator: (s: Separator) => void; disabled: boolean; onExport: () => void }) {
  const { t } = useI18n();
  const id = useId();
  return (
    <>
      <label htmlFor={id} className="visually-hidden">{t('table.separator')}</label>
      <select id={id} value={separator} onChange={(e) => onSeparator(e.target.value as Separator)} title={t('table.separator')} className="select-small">
        <option value=";">{t('table.separator.semicolon')}</option>
        <option value=",">{t('table.separator.comma')}</option>
      </select>
      <button type="button" className="btn" onClick={onExport} disabled={disabled}>
        {t('table.export')}
      </button>
    </>
  );
}

function HeaderRow<R>({ columns, sort, template, onSort }: { columns: readonly Column<R>[]; sort: SortState | null; template: string; onSort: (id: string) => void }) {
  const { t } = useI18n();
  return (
    <div role="row" aria-rowindex={1} className="dt-row" style={{ gridTemplateColumns: template }}>
      {columns.map((c) => {
        const sorted = sort?.column === c.id ? sort.dir : null;
        return (
          <div
            key={c.id} role="columnheader"
            aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
            className={`dt-th${NUMERIC.has(c.kind ?? 'text') ? ' num' : ''}`}
          >
            <button type="button" onClick={() => onSort(c.id)} data-column={c.id} title={c.header}>
              <span className="dt-th-text">{c.header}</span>
              <span className="dt-sort" aria-hidden="true">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}</span>
              {sorted && <span className="visually-hidden">, {t(sorted === 'asc' ? 'table.sortAsc' : 'table.sortDesc')}</span>}
            </button>
          </div>
        );
      })}
    </div>
  );
}

interface BodyRowProps<R> {
  item: VirtualItem;
  row: R;
  rowKey: (row: R) => string;
  columns: readonly Column<R>[];
  template: string;
  i18n: I18n;
  selectedKey?: string | null;
  onRowClick?: (row: R) => void;
  onKeyDown: (e: KeyboardEvent, pos: number, row: R) => void;
}

function BodyRow<R>({ item, row, rowKey, columns, template, i18n, selectedKey, onRowClick, onKeyDown }: BodyRowProps<R>) {
  const key = rowKey(row);
  return (
    <div
      role="row" aria-rowindex={item.index + 2} data-row={item.index} data-key={key}
      className={`dt-row${onRowClick ? ' clickable' : ''}${key === selectedKey ? ' selected' : ''}${item.index % 2 ? ' odd' : ''}`}
      aria-selected={onRowClick ? key === selectedKey : undefined}
      tabIndex={onRowClick || item.index === 0 ? 0 : -1}
      style={{ gridTemplateColumns: template, transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
      onClick={onRowClick ? () => onRowClick(row) : undefined}
      onKeyDown={(e) => onKeyDown(e, item.index, row)}
    >
      {columns.map((c) => <Cell key={c.id} col={c} row={row} i18n={i18n} />)}
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
