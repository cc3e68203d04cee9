// The hub's side of a pull: seal what changed, then read the next documents of the device's
// scope after its cursor, whole, in one read transaction (a consistent snapshot). Resumable
// after any interruption: a page changes nothing on the hub, and the replica asks again from
// the cursor it last committed.
import { ApiError } from '../api/errors.js';
import { headSeq, nextDocuments, rowsOfDocs, sealChanges } from '../store/change-log-repo.js';
import { entitiesOfScope, schemaVersion } from '../store/devices-repo.js';
import { decodeKey, docKind, keysByKind } from '../store/replicated-set.js';
import type { Db } from '../store/db.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { maskRow, PAGE_FORMAT, planDocuments, type WireDoc, type WirePage } from './page.js';
import type { DeviceScope } from './scope.js';
import { deviceTags, tagsHash } from './tags.js';

export interface PullLimits {
  /** Documents per page. */
  maxDocs: number;
  /** Approximate size of a page's rows (JSON characters). */
  maxBytes: number;
}

export const DEFAULT_LIMITS: PullLimits = { maxDocs: 1000, maxBytes: 4 * 1024 * 1024 };

export interface PullDevice { id: string; scope: DeviceScope }

export function servePull(db: Db, device: PullDevice, input: { cursor: string; schema: string; limit?: number }, now: Date, limits: PullLimits = DEFAULT_LIMITS): WirePage {
  // A replica on a slow link may ask for smaller pages.
  if (input.limit !== undefined) limits = { ...limits, maxDocs: Math.min(limits.maxDocs, input.limit) };
  const schema = schemaVersion(db);
  if (input.schema !== schema) {
    throw new ApiError('version_mismatch', `the hub's database schema is ${schema} and this replica's ${input.schema}: install the same Ventil version on both`);
  }
  const cursor = decodeCursor(input.cursor);
  if (!cursor) throw new ApiError('invalid_cursor', 'the cursor is not one this hub gave out', [{ path: 'cursor', code: 'invalid_cursor', message: 'not a replication cursor' }]);
  // What changed since the last pull gets its place in the log; when another connection is
  // writing, the pull serves what is sealed and the rest comes next time.
  sealChanges(db, { wait: false });

  return db.transaction((): WirePage => {
    const entities = entitiesOfScope(db, device.scope);
    const tags = deviceTags(device.scope, entities, device.id);
    const scope = tagsHash(tags);
    const head = headSeq(db);
    // Another scope than the cursor's, or a cursor ahead of the log (a hub restored from a
    // backup): the device starts over (Electric's must-refetch).
    const reset = cursor.scope !== scope || cursor.seq > head;
    const from = reset ? 0 : cursor.seq;
    const tagSet = tags === null ? null : new Set(tags);
    const entitySet = device.scope.kind === 'network' ? null : new Set(entities);

    const found = nextDocuments(db, tags, from, limits.maxDocs);
    const planned = planDocuments(found.rows, tagSet, device.id);
    const contents = readContents(db, planned.filter((d) => d.visible), entitySet);

    const docs: WireDoc[] = [];
    const columns: Record<string, string[]> = {};
    let size = 0;
    let cut = false;
    for (const d of planned) {
      const content = d.visible ? contents.rows.get(`${d.kind}\u0000${d.key}`) : undefined;
      // Seen live when sealed but gone by now: a removal (its own seal will say so again).
      const rows = content && Object.keys(content).length > 0 ? content : null;
      const bytes = rows === null ? 64 : JSON.stringify(rows).length;
      if (docs.length > 0 && size + bytes > limits.maxBytes) { cut = true; break; }
      size += bytes;
      docs.push([d.seq, d.kind, d.key, d.tags, rows]);
      if (rows) for (const t of Object.keys(rows)) columns[t] = contents.columns.get(t)!;
    }
    const complete = !cut && !found.more;
    // Caught up: the cursor moves to the head, so the next pull scans nothing it has seen. Cut
    // short: to the last document sent. (Documents skipped as not the device's move it too.)
    const lastSeq = cut ? docs[docs.length - 1]![0] : found.rows.length > 0 ? found.rows[found.rows.length - 1]!.seq : from;
    const next = complete ? Math.max(head, from) : lastSeq;
    return {
      format: PAGE_FORMAT,
      from: input.cursor,
      cursor: encodeCursor({ seq: next, scope }),
      complete,
      at: now.toISOString(),
      hub_seq: head,
      ...(reset ? { reset: { tags } } : {}),
      columns,
      docs,
    };
  }).deferred();
}

/** The rows of visible documents, per table of their kind, masked for the device. */
function readContents(db: Db, docs: readonly { kind: string; key: string }[], entities: ReadonlySet<string> | null) {
  const rows = new Map<string, Record<string, unknown[][]>>();
  const columns = new Map<string, string[]>();
  for (const [kindName, keys] of keysByKind(docs)) {
    const kind = docKind(kindName);
    if (!kind) throw new Error(`the change log names an unknown document kind ${kindName}`);
    const parts = keys.map((k) => decodeKey(kind, k) ?? []);
    for (const k of keys) rows.set(`${kindName}\u0000${k}`, {});
    for (const t of kind.tables) {
      const { columns: cols, rows: found } = rowsOfDocs(db, t.table, t.key, parts);
      columns.set(t.table, cols);
      const at = t.key.map((c) => cols.indexOf(c));
      for (const r of found) {
        const key = at.length === 1 ? String(r[at[0]!]) : JSON.stringify(at.map((i) => r[i]));
        const doc = rows.get(`${kindName}\u0000${key}`);
        if (!doc) continue;
        (doc[t.table] ??= []).push(maskRow(t.table, cols, r, entities));
      }
    }
  }
  return { rows, columns };
}
