// The DataTable's columns and what a cell says: on screen, in the filter's search text, and in
// a CSV export.
import type { ReactNode } from 'react';
import type { I18n } from '../../i18n';
import { moneyForExport } from '../../format/money';
import type { Tone } from '../Badge';
import type { Separator } from '../csv';

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
  /**
   * 'low': hidden on screen when the table is narrower than its columns' minimum widths (a
   * 1024 px window), so the important ones stay visible without scrolling sideways; still
   * searched and exported.
   */
  priority?: 'low';
}

/** The columns to show in `available` pixels: low-priority ones dropped from the right until the rest fit. */
export function fitColumns<R>(columns: readonly Column<R>[], available: number | null): readonly Column<R>[] {
  if (available === null) return columns;
  const width = (cs: readonly Column<R>[]) => cs.reduce((s, c) => s + (c.width ?? 120), 0);
  let shown = columns;
  for (let i = columns.length - 1; i >= 0 && width(shown) > available; i--) {
    if (columns[i]!.priority === 'low') shown = shown.filter((c) => c !== columns[i]);
  }
  return shown;
}

export const NUMERIC: ReadonlySet<ColumnKind> = new Set(['number', 'money']);

/** Lower case without accents: "Élodie" is found by "elodie". */
export function fold(s: string): string {
  // Most cells are plain ASCII: skip the (slow) Unicode normalization for them.
  return /[\u0080-\uffff]/.test(s) ? s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase() : s.toLowerCase();
}

export function displayText<R>(col: Column<R>, row: R, i18n: I18n): string {
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
export function cellText<R>(col: Column<R>, row: R, i18n: I18n, sep: Separator): string {
  const v = col.value(row);
  const comma = sep === ';';
  if (col.kind === 'money') return v === null || v === undefined ? '' : moneyForExport(Number(v), col.currency?.(row) ?? 'EUR', comma);
  if (col.kind === 'number') return v === null || v === undefined ? '' : comma ? String(v).replace('.', ',') : String(v);
  if (col.kind === 'date' || col.kind === 'datetime') return v === null || v === undefined ? '' : String(v);
  return displayText(col, row, i18n);
}

/** Everything the filter finds a row by, folded, cells separated by a character nobody types. */
export function searchText<R>(cols: readonly Column<R>[], row: R, i18n: I18n): string {
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
