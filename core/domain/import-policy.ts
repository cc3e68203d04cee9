// What an import may do with what is already stored (docs/formats.md, "Errors"): an import adds
// what is new; what it brings again under a stored id must be the same, else it is a conflict
// and nothing of the import is kept. Settings are set by the first import and must agree after;
// rule versions are immutable and their validity ranges must not overlap; a payment belongs to
// one order. Pure: the store reads what is stored, asks here, and writes or reports.
import { toMs } from './time.js';

/** One conflict with what is stored, with the JSON path of the offending value. */
export interface ImportConflict { path: string; code: string; message: string }

/** Settings the import may add (absent from the store), and those that disagree with it. */
export function settingsVerdict(stored: ReadonlyMap<string, string>, incoming: Readonly<Record<string, unknown>>, sameValue: (a: unknown, b: unknown) => boolean):
  { add: [string, unknown][]; conflicts: ImportConflict[] } {
  const add: [string, unknown][] = [];
  const conflicts: ImportConflict[] = [];
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined) continue;
    const have = stored.get(k);
    if (have === undefined) add.push([k, v]);
    else if (!sameValue(JSON.parse(have), v)) {
      conflicts.push({ path: `network.${k}`, code: 'network_conflict', message: `differs from the stored network setting (${have}); change settings in the back office` });
    }
  }
  return { add, conflicts };
}

/** A registry row brought again: the same columns, or a conflict naming those that differ. */
export function rowConflict(stored: Readonly<Record<string, unknown>>, incoming: Readonly<Record<string, unknown>>, key: string, path: string): ImportConflict | null {
  const diff = Object.keys(incoming).filter((k) => stored[k] !== incoming[k]);
  if (diff.length === 0) return null;
  return { path, code: 'conflict', message: `${key} ${JSON.stringify(incoming[key])} is already stored with other ${diff.join(', ')}; edit it in the back office` };
}

/** Half-open validity ranges [from, to) of dates or times; null `to` is open-ended. */
export function overlaps(aFrom: string, aTo: string | null, bFrom: string, bTo: string | null): boolean {
  return (aTo === null || toMs(bFrom) < toMs(aTo)) && (bTo === null || toMs(aFrom) < toMs(bTo));
}

/** A rule version brought again: same content, or a conflict (a change is a new version). */
export function ruleVersionConflict(storedHash: string, hash: string, rule: { id: string; version: number }, path: string): ImportConflict | null {
  if (storedHash === hash) return null;
  return { path, code: 'rule_version_conflict', message: `rule ${rule.id}@${rule.version} is already stored with other content; a change is a new version` };
}

/** The stored versions of a rule whose validity a new version would overlap. */
export function overlappingVersions(rule: { id: string; version: number; valid_from: string; valid_to: string | null },
  others: readonly { version: number; valid_from: string; valid_to: string | null }[], path: string): ImportConflict[] {
  return others.filter((o) => overlaps(rule.valid_from, rule.valid_to, o.valid_from, o.valid_to)).map((o) => ({
    path: `${path}.valid_from`, code: 'overlapping_versions',
    message: `rule ${rule.id}@${rule.version} overlaps the stored version ${o.version} (${o.valid_from} to ${o.valid_to ?? 'open'})`,
  }));
}

/** An order brought again: same content, or a conflict. */
export function orderConflict(storedHash: string, hash: string, orderId: string, path: string): ImportConflict | null {
  return storedHash === hash ? null : { path, code: 'order_conflict', message: `order ${orderId} is already stored with other content` };
}

/** The payments of a new order that stored orders already carry (a payment belongs to one order). */
export function takenPayments(payments: readonly { id: string }[], ownerOf: (paymentId: string) => string | undefined, path: string): ImportConflict[] {
  return payments.flatMap((p, k) => {
    const owner = ownerOf(p.id);
    return owner === undefined ? [] : [{
      path: `${path}.payments[${k}].id`, code: 'duplicate_payment',
      message: `payment ${JSON.stringify(p.id)} already belongs to order ${JSON.stringify(owner)}; a payment belongs to one order`,
    }];
  });
}

/** An event brought again (same identity): same content, or a conflict. */
export function eventConflict(storedContent: string, content: string, eventKey: string, path: string): ImportConflict | null {
  return storedContent === content ? null : { path, code: 'event_conflict', message: `event ${eventKey.slice(3)} is already stored with other content` };
}
