// A page of a pull: the documents that changed after the replica's cursor, each whole as it is
// now on the hub (or `null`: removed, or no longer in the device's scope), in log order. Like a
// Replicache patch (puts and deletes since a cookie) or a PowerSync bucket's PUT/REMOVE
// operations, but per document rather than per row, so that an order always arrives with its
// lines, settlement and shares together. Pure: assembly of the document list, masking, and the
// checks a replica runs before applying anything.
import { z } from 'zod';
import type { Issue } from '../domain/scenario.js';
import { zodToIssues } from '../domain/scenario.js';
import { decodeKey, docKind } from '../store/replicated-set.js';
import { tagRelevant } from './tags.js';

export const PAGE_FORMAT = 'ventil.page/1';

/** One document: [seq, kind, key, tags, rows by table or null]. */
export type WireDoc = [seq: number, kind: string, key: string, tags: string[], rows: Record<string, unknown[][]> | null];

export interface WirePage {
  format: typeof PAGE_FORMAT;
  /** The cursor this page continues from: a replica applies it only at that cursor. */
  from: string;
  cursor: string;
  /** Nothing more to pull now: the replica's data is as of `at`. */
  complete: boolean;
  /** The hub's clock when the page was read. */
  at: string;
  /** The head of the hub's log. */
  hub_seq: number;
  /** Present when the replica starts over (joined, or its scope changed): its tags now (null: network-wide). */
  reset?: { tags: string[] | null };
  /** The columns of each table that appears in `docs`, in the order of the row arrays. */
  columns: Record<string, string[]>;
  docs: WireDoc[];
}

export interface LogRowLike { seq: number; tag: string; kind: string; key: string; live: number }

export interface PlannedDoc { seq: number; kind: string; key: string; tags: string[]; visible: boolean }

/**
 * The documents of a batch of log rows (every tag row of each document, in seq order) as a
 * device sees them: only its tags count; a document is sent whole when one of them is live,
 * as a removal when the document left them all. Documents with no tag of the device are skipped.
 */
export function planDocuments(rows: readonly LogRowLike[], tags: ReadonlySet<string> | null, deviceId: string): PlannedDoc[] {
  const out: PlannedDoc[] = [];
  let current: PlannedDoc | null = null;
  for (const r of rows) {
    if (!tagRelevant(r.tag, tags, deviceId)) continue;
    if (!current || current.seq !== r.seq) {
      current = { seq: r.seq, kind: r.kind, key: r.key, tags: [], visible: false };
      out.push(current);
    }
    if (r.live === 1) {
      current.tags.push(r.tag);
      current.visible = true;
    }
  }
  for (const d of out) d.tags.sort();
  return out;
}

/** Columns of the registry a replica may hold only for the entities of its scope. */
const MASKED_ENTITY_COLUMNS = ['psp_account', 'erp_code'];

/**
 * Removes what a device may not hold from a row it may: an entity's PSP account and ERP code
 * outside its scope (as network.entities.list shows them). `entities` null: network-wide.
 */
export function maskRow(table: string, columns: readonly string[], row: unknown[], entities: ReadonlySet<string> | null): unknown[] {
  if (table !== 'entities' || entities === null) return row;
  const id = row[columns.indexOf('id')] as string;
  if (entities.has(id)) return row;
  const out = [...row];
  for (const c of MASKED_ENTITY_COLUMNS) {
    const i = columns.indexOf(c);
    if (i >= 0) out[i] = null;
  }
  return out;
}

/**
 * A document's rows of one table: arrays of text, numbers and nulls. Checked by hand rather than
 * as a zod union per value: a store's first sync checks hundreds of thousands of values.
 */
const isCell = (v: unknown) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
const Rows = z.custom<(string | number | null)[][]>(
  (v) => Array.isArray(v) && v.every((r) => Array.isArray(r) && r.every(isCell)),
  { message: 'expected rows of text, numbers and nulls' },
);
const WireDocSchema = z.tuple([
  z.number().int().positive(),
  z.string().min(1).max(40),
  z.string().min(1).max(600),
  z.array(z.string().max(200)).max(10_000),
  z.record(z.string(), Rows).nullable(),
]);
const PageSchema = z.strictObject({
  format: z.literal(PAGE_FORMAT),
  from: z.string().max(200),
  cursor: z.string().min(1).max(200),
  complete: z.boolean(),
  at: z.string().min(1).max(40),
  hub_seq: z.number().int().min(0),
  reset: z.strictObject({ tags: z.array(z.string().max(200)).nullable() }).optional(),
  columns: z.record(z.string(), z.array(z.string().min(1).max(64))),
  docs: z.array(WireDocSchema),
});

/**
 * Everything wrong with a page, before any of it is applied: its shape, unknown kinds and
 * tables, columns that are not the local table's, rows of the wrong width, rows whose key is
 * not their document's (a page may only write the documents it names), seqs out of order.
 * `localColumns(table)` gives the local schema's columns (the only identifiers SQL will use).
 */
export function checkPage(page: unknown, localColumns: (table: string) => readonly string[] | null): { ok: true; page: WirePage } | { ok: false; issues: Issue[] } {
  const parsed = PageSchema.safeParse(page);
  if (!parsed.success) return { ok: false, issues: zodToIssues(parsed.error) };
  const p = parsed.data as WirePage;
  const issues: Issue[] = [];
  const issue = (path: string, code: string, message: string) => { if (issues.length < 50) issues.push({ path, code, message }); };
  for (const [table, cols] of Object.entries(p.columns)) {
    const local = localColumns(table);
    if (!local) { issue(`columns.${table}`, 'unknown_table', `${table} is not a replicated table here`); continue; }
    const same = cols.length === local.length && new Set(cols).size === cols.length && cols.every((c) => local.includes(c));
    if (!same) issue(`columns.${table}`, 'columns_mismatch', `the columns of ${table} differ from this installation's (is it the same Ventil version as the hub?)`);
  }
  let lastSeq = 0;
  p.docs.forEach(([seq, kindName, key, , rows], i) => {
    const path = `docs[${i}]`;
    if (seq <= lastSeq) issue(`${path}[0]`, 'seq_order', 'documents must come in increasing seq order');
    lastSeq = seq;
    const kind = docKind(kindName);
    if (!kind) { issue(`${path}[1]`, 'unknown_kind', `no document kind ${kindName}`); return; }
    const parts = decodeKey(kind, key);
    if (!parts) { issue(`${path}[2]`, 'bad_key', `${key} is not a key of a ${kindName}`); return; }
    if (rows === null) return;
    const allowed = new Map(kind.tables.map((t) => [t.table, t.key]));
    for (const [table, list] of Object.entries(rows)) {
      const keyCols = allowed.get(table);
      if (!keyCols) { issue(`${path}[4].${table}`, 'table_not_in_kind', `a ${kindName} has no rows in ${table}`); continue; }
      const cols = p.columns[table];
      if (!cols) { issue(`${path}[4].${table}`, 'missing_columns', `no columns given for ${table}`); continue; }
      const at = keyCols.map((c) => cols.indexOf(c));
      if (at.some((x) => x < 0)) { issue(`columns.${table}`, 'missing_key_column', `${table} lacks its key column`); continue; }
      list.forEach((row, j) => {
        if (row.length !== cols.length) issue(`${path}[4].${table}[${j}]`, 'row_width', `expected ${cols.length} values, got ${row.length}`);
        else if (at.some((x, n) => String(row[x]) !== parts[n])) issue(`${path}[4].${table}[${j}]`, 'foreign_row', `a row of another document than ${kindName} ${key}`);
      });
    }
  });
  if (p.docs.length > 0 && !p.complete && p.from === p.cursor) issue('cursor', 'no_progress', 'an incomplete page must move the cursor');
  return issues.length > 0 ? { ok: false, issues } : { ok: true, page: p };
}
