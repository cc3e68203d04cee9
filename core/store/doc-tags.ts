// The scope tags of replicated documents, as they are now: which replicas a document goes to.
// '*' the whole network (registry, settings, rules), 'e:ENTITY' the replicas whose scope holds
// that entity, 'g:REGION' a region's replicas (its controllers' accounts), 'd:DEVICE' one
// device (the answers to its commands). A document with no tag stays on the hub (a head-office
// administrator's account, the platform's own PSP calls).
import { all, dynamicQb } from './query.js';
import { decodeKey, docKind, type DocKind } from './replicated-set.js';
import type { Db } from './db.js';

export const NETWORK_TAG = '*';
export const entityTag = (entity: string) => `e:${entity}`;
export const regionTag = (region: string) => `g:${region}`;
export const deviceTag = (device: string) => `d:${device}`;

const dyn = dynamicQb;

type Tags = Map<string, Set<string>>;

function add(out: Tags, key: string, tag: string | null | undefined) {
  if (!tag) return;
  let s = out.get(key);
  if (!s) out.set(key, (s = new Set()));
  s.add(tag);
}

const e = (entity: string | null | undefined) => (entity ? entityTag(entity) : null);

/** Keys in chunks small enough for an IN list. */
function chunks<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The columns read here are TEXT: document keys, entity ids, kinds, JSON lists (an entity
 * column may hold NULL, which `e` and `add` skip).
 */
type TextRow = Record<string, string>;

/** Rows of `table` whose `column` is one of `keys`, selecting `columns`. */
function rowsIn(db: Db, table: string, column: string, keys: readonly string[], columns: readonly string[]): TextRow[] {
  const out: TextRow[] = [];
  for (const part of chunks(keys)) out.push(...(all(db, dyn.selectFrom(table).select(columns as string[]).where(column, 'in', part)) as TextRow[]));
  return out;
}

/** Rows of a table with a two-column key, for some encoded keys; each row comes with its key. */
function rowsByPair(db: Db, table: string, keyCols: readonly string[], keys: readonly string[], parts: (key: string) => string[] | null,
  columns: readonly string[]): { key: string; row: TextRow }[] {
  const byFirst = new Map<string, Map<string, string>>();
  for (const key of keys) {
    const p = parts(key);
    if (!p) continue;
    let m = byFirst.get(p[0]!);
    if (!m) byFirst.set(p[0]!, (m = new Map()));
    m.set(p[1]!, key);
  }
  const out: { key: string; row: TextRow }[] = [];
  const [a, b] = [keyCols[0]!, keyCols[1]!];
  for (const [first, seconds] of byFirst) {
    for (const part of chunks([...seconds.keys()])) {
      for (const row of all(db, dyn.selectFrom(table).select([...new Set([a, b, ...columns])]).where(a, '=', first).where(b, 'in', part)) as TextRow[]) {
        const key = seconds.get(String(row[b]));
        if (key !== undefined) out.push({ key, row });
      }
    }
  }
  return out;
}

/**
 * The keys of a kind with a composite key whose document still has a row in one of its tables
 * (one indexed lookup per key and table: these kinds change by a few keys per run).
 */
function presentKeys(db: Db, kind: DocKind, keys: readonly string[]): string[] {
  return keys.filter((key) => {
    const parts = decodeKey(kind, key);
    if (!parts) return false;
    return kind.tables.some((t) => {
      let q = dyn.selectFrom(t.table).select(t.key[0]!);
      t.key.forEach((c, i) => { q = q.where(c, '=', parts[i]!); });
      return all(db, q.limit(1)).length > 0;
    });
  });
}

/** The current tags of documents of one kind; a key absent from the map has none (or no longer exists). */
export function docTags(db: Db, kind: string, keys: readonly string[]): Tags {
  const out: Tags = new Map();
  const k = docKind(kind);
  if (!k || keys.length === 0) return out;
  const head = k.tables[0]!;
  const parts = (key: string) => decodeKey(k, key);
  switch (kind) {
    case 'setting': case 'entity': case 'location': case 'catchment': case 'rule': {
      const present = rowsIn(db, head.table, head.key[0]!, keys, [head.key[0]!]);
      for (const r of present) add(out, String(r[head.key[0]!]), NETWORK_TAG);
      break;
    }
    case 'order': {
      for (const r of rowsIn(db, 'order_parties', 'order_id', keys, ['order_id', 'entity'])) add(out, r.order_id, e(r.entity));
      for (const r of rowsIn(db, 'routing_offers', 'order_id', keys, ['order_id', 'entity', 'operator'])) {
        add(out, r.order_id, e(r.entity));
        add(out, r.order_id, e(r.operator));
      }
      // An order not settled yet has no parties: it waits on the hub until it has.
      // A periodic invoice's movements in daily books (decision 0020) are subledger rows keyed
      // `inv:<number>`, no order's: they go where the books they are in go, each line's entity.
      const invoices = keys.filter((key) => key.startsWith('inv:'));
      for (const r of invoices.length > 0 ? rowsIn(db, 'subledger', 'order_id', invoices, ['order_id', 'lines_json']) : []) {
        for (const el of JSON.parse(r.lines_json) as unknown[][]) add(out, r.order_id, e(el[1] as string)); // the entity, in both formats (subledger-repo.ts)
      }
      break;
    }
    case 'journal_entry': case 'daily_batch': case 'transfer': case 'psp_object': case 'outbox': {
      const col = head.key.length === 1 ? head.key[0]! : null;
      if (col) {
        for (const r of rowsIn(db, head.table, col, keys, [col, 'entity', ...(kind === 'outbox' ? ['kind'] : [])])) {
          if (kind === 'outbox' && !/^(psp|erp)\./.test(r.kind)) continue;
          add(out, String(r[col]), e(r.entity));
        }
      } else {
        for (const { key, row } of rowsByPair(db, head.table, head.key, keys, parts, ['entity'])) add(out, key, e(row.entity));
      }
      break;
    }
    case 'invoice': {
      for (const r of rowsIn(db, 'invoices', 'id', keys, ['id', 'supplier', 'customer', 'issued_by'])) {
        for (const x of [r.supplier, r.customer, r.issued_by]) add(out, String(r.id), e(x));
      }
      break;
    }
    case 'invoice_month': {
      // Key [supplier, customer, currency, month]: both parties' replicas.
      for (const key of presentKeys(db, k, keys)) for (const x of decodeKey(k, key)!.slice(0, 2)) add(out, key, e(x));
      break;
    }
    case 'day_total': {
      // Key [entity, day].
      for (const key of presentKeys(db, k, keys)) add(out, key, e(decodeKey(k, key)![0]));
      break;
    }
    case 'account': case 'account_mapping': case 'closed_period': case 'erp_batch': {
      // The entity is the first part of the key; the document exists if its row does.
      for (const { key, row } of rowsByPair(db, head.table, head.key, keys, parts, [])) add(out, key, e(String(row[head.key[0]!])));
      break;
    }
    case 'posting_issue': {
      for (const r of rowsIn(db, 'posting_issues', 'event', keys, ['event', 'entities_json'])) {
        for (const x of JSON.parse(r.entities_json) as string[]) add(out, r.event, e(x));
      }
      break;
    }
    case 'release_run': {
      for (const r of rowsIn(db, 'transfers', 'run_id', keys, ['run_id', 'entity'])) add(out, r.run_id, e(r.entity));
      break;
    }
    case 'user': {
      for (const r of rowsIn(db, 'users', 'id', keys, ['id', 'role', 'regions_json', 'entities_json'])) {
        if (r.role === 'store_manager') for (const x of JSON.parse(r.entities_json) as string[]) add(out, r.id, e(x));
        if (r.role === 'controller') for (const x of JSON.parse(r.regions_json) as string[]) add(out, r.id, regionTag(x));
      }
      break;
    }
    case 'command': {
      for (const { key, row } of rowsByPair(db, 'device_commands', head.key, keys, parts, [])) add(out, key, deviceTag(String(row.device_id)));
      break;
    }
    default:
      throw new Error(`no scope tags defined for documents of kind ${kind} (core/store/doc-tags.ts)`);
  }
  return out;
}
