// A replica's side of a pull: checks a page from the hub and applies all of it or none of it,
// in one transaction together with the new cursor, so a replica killed while applying a page
// simply asks for it again. A page that does not continue from the replica's cursor (a
// duplicated or late delivery) is refused as stale and changes nothing.
import { ApiError } from '../api/errors.js';
import { dropReplicaGuards } from '../store/change-triggers.js';
import {
  allHeldDocs, deleteDocRows, docsBefore, forgetHeldDoc, heldDocs, insertRows, localColumns, readReplicaState, recordHeldDoc, updateReplicaState,
  withoutForeignKeys,
} from '../store/replica-repo.js';
import { decodeKey, docKind, keysByKind, REPLICATED_TABLES } from '../store/replicated-set.js';
import type { Db } from '../store/db.js';
import { faultPoint } from './faults.js';
import { checkPage, type WirePage } from './page.js';
import { staysInScope } from './tags.js';

const REPLICATED = new Set(REPLICATED_TABLES.map((t) => t.table));

/** Makes the tables the hub fills writable by the replication only (see dropReplicaGuards). */
export function prepareReplicaSchema(db: Db): string[] {
  return dropReplicaGuards(db, [...REPLICATED]);
}

export interface ApplyResult {
  /** Documents written or rewritten. */
  written: number;
  /** Documents removed (deleted on the hub, or out of the scope now). */
  removed: number;
  /** Documents already held at this version (a repeated page after a scope change). */
  unchanged: number;
  complete: boolean;
  cursor: string;
}

/** Validates a page against the local schema; throws `malformed_page` with every problem. */
export function validatePage(db: Db, page: unknown): WirePage {
  const checked = checkPage(page, (table) => (REPLICATED.has(table) ? localColumns(db, table) : null));
  if (!checked.ok) throw new ApiError('malformed_page', `the hub sent a page this replica cannot apply (${checked.issues.length} problem(s)); nothing was applied`, checked.issues);
  return checked.page;
}

export function applyPage(db: Db, raw: unknown): ApplyResult {
  return applyCheckedPage(db, validatePage(db, raw));
}

/** Applies a page `validatePage` accepted. */
export function applyCheckedPage(db: Db, page: WirePage): ApplyResult {
  const state = readReplicaState(db);
  if (!state || state.status === 'joining') throw new ApiError('not_a_replica', 'this database is not a replica of a hub');
  const result: ApplyResult = { written: 0, removed: 0, unchanged: 0, complete: page.complete, cursor: page.cursor };
  // The hub's rows arrive in document order, not in foreign-key order (a transfer may come before
  // the order it pays): integrity is the hub's, checked there.
  withoutForeignKeys(db, () => {
    db.transaction(() => {
      const current = readReplicaState(db)!;
      if (page.from !== current.cursor) {
        throw new ApiError('stale_page', 'this page does not continue from the replica\'s cursor (a repeated or late delivery); nothing was applied');
      }
      let tags: string[] | null = JSON.parse(current.tags_json) as string[] | null;
      let { epoch, resync } = current;
      if (page.reset) {
        // Starting over (a new scope, or a hub restored from a backup): drop at once what left the
        // scope; the pages that follow bring the whole scope again (documents held at the same
        // version are not rewritten), and what they did not bring goes when they are complete.
        tags = page.reset.tags;
        epoch++;
        resync = 1;
        const keep = tags === null ? null : new Set(tags);
        const gone = allHeldDocs(db).filter((d) => !staysInScope(JSON.parse(d.tags_json) as string[], keep));
        removeDocs(db, gone.map((d) => ({ kind: d.kind, key: d.key })));
        result.removed += gone.length;
      }
      // Removals and rewrites first, inserts after: two documents may trade a unique value.
      const byKind = new Map<string, WirePage['docs']>();
      for (const d of page.docs) {
        let l = byKind.get(d[1]);
        if (!l) byKind.set(d[1], (l = []));
        l.push(d);
      }
      const toInsert: WirePage['docs'] = [];
      for (const [kindName, docs] of byKind) {
        const kind = docKind(kindName)!;
        const held = heldDocs(db, kindName, docs.map((d) => d[2]));
        const rewrite: string[][] = [];
        for (const d of docs) {
          const [seq, , key, docTags, rows] = d;
          const h = held.get(key);
          if (h && h.seq >= seq) {
            // Already at this version: only its tags may have grown with the scope.
            if (rows !== null) recordHeldDoc(db, { kind: kindName, key, seq: h.seq, tags_json: JSON.stringify(docTags), epoch });
            result.unchanged++;
            continue;
          }
          rewrite.push(decodeKey(kind, key)!);
          if (rows === null) {
            forgetHeldDoc(db, kindName, key);
            if (h) result.removed++;
          } else {
            recordHeldDoc(db, { kind: kindName, key, seq, tags_json: JSON.stringify(docTags), epoch });
            toInsert.push(d);
            result.written++;
          }
        }
        deleteDocRows(db, kind, rewrite);
      }
      for (const [, , , , rows] of toInsert) {
        for (const [table, list] of Object.entries(rows!)) insertRows(db, table, page.columns[table]!, list);
      }
      if (resync === 1 && page.complete) {
        const stale = docsBefore(db, epoch);
        removeDocs(db, stale.map((d) => ({ kind: d.kind, key: d.key })));
        result.removed += stale.length;
        resync = 0;
      }
      faultPoint('replica.page.applied');
      updateReplicaState(db, {
        cursor: page.cursor, hub_seq: page.hub_seq, tags_json: JSON.stringify(tags), epoch, resync,
        ...(page.complete ? { data_as_of: page.at } : {}),
      });
    }).immediate();
  });
  return result;
}

function removeDocs(db: Db, docs: readonly { kind: string; key: string }[]): void {
  for (const [kindName, keys] of keysByKind(docs)) {
    const kind = docKind(kindName);
    if (!kind) continue;
    deleteDocRows(db, kind, keys.map((k) => decodeKey(kind, k)!).filter(Boolean));
    for (const k of keys) forgetHeldDoc(db, kindName, k);
  }
}
