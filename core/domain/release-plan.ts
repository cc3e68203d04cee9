// What a release run pays (docs/spec.md section 8), as a pure function of two ledgers: what each
// entity's shares have released so far (line by line, fee shares included), and what earlier
// runs already paid it. The difference is what this run moves, so a run repeated with nothing
// new moves nothing, and a return after release shows up as a negative difference on its line.
//
// Per entity and currency, one movement out of escrow per run: a `transfer` to the entity's PSP
// account, or a `withdrawal` of the platform's own share to its bank. Negative differences are
// recovered as the network's `after_release_recovery` says:
// - `net`: they stay in the entity's movement, netted against what it is owed; when the net is
//   zero or less, nothing moves and the balance is carried (the entity owes the network);
// - `reverse`: what was paid on a line and is no longer due is taken back by `reversal`s of the
//   transfers that paid it (newest first, never more than a transfer has left); what cannot be
//   reversed that way (a share negative from the start, such as a PSP fee share) is netted.
// The platform is never reversed (its withdrawals go to its own bank): it always nets.
import type { Minor } from './money.js';

export type Recovery = 'net' | 'reverse';

/** An amount on one line of one order for one entity (line '' is the order's PSP fee shares). */
export interface LedgerItem {
  entity: string;
  currency: string;
  order: string;
  line: string;
  amount: Minor;
}

/** A transfer written by an earlier run, with what it paid and what was reversed of it since. */
export interface PriorTransfer {
  id: string;
  key: string;
  entity: string;
  currency: string;
  /** Older transfers have smaller seq. */
  seq: number;
  amount: Minor;
  items: { order: string; line: string; amount: Minor }[];
  /** Reversed so far against this transfer, per line (positive amounts). */
  reversed: { order: string; line: string; amount: Minor }[];
}

export interface PlannedItem {
  order: string;
  line: string;
  /** Signed like the transfer: what it pays (> 0) or takes back (< 0) on this line. */
  amount: Minor;
  /** What earlier runs had paid the entity on this line: makes the item's identity unique. */
  paid_before: Minor;
}

export interface PlannedTransfer {
  kind: 'transfer' | 'withdrawal' | 'reversal';
  entity: string;
  currency: string;
  /** Signed: > 0 pays, < 0 takes back. Equals the sum of the items. */
  amount: Minor;
  items: PlannedItem[];
  /** For a reversal, the transfer it takes back from. */
  reverses: { id: string; key: string } | null;
}

export interface Carried {
  entity: string;
  currency: string;
  /** The entity's unpaid balance: < 0 it owes the network (netted later), 0 when items cancel out. */
  amount: Minor;
  reason: 'net_not_positive' | 'no_psp_account';
}

export interface ReleasePlan {
  transfers: PlannedTransfer[];
  carried: Carried[];
}

export interface ReleaseInputs {
  released: readonly LedgerItem[];
  paid: readonly LedgerItem[];
  platform: string;
  recovery: Recovery;
  /** Whether an entity has a PSP account to transfer to (the platform's withdrawal needs none). */
  hasAccount(entity: string): boolean;
  /** Earlier transfers of kind `transfer` to an entity in a currency (only asked in `reverse` mode). */
  priorTransfers(entity: string, currency: string): readonly PriorTransfer[];
}

const SEP = '\u0000';
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Delta { order: string; line: string; released: Minor; paid: Minor; amount: Minor }

export function planRelease(inp: ReleaseInputs): ReleasePlan {
  // entity \0 currency -> order \0 line -> delta
  const groups = new Map<string, Map<string, Delta>>();
  const touch = (i: LedgerItem) => {
    const g = `${i.entity}${SEP}${i.currency}`;
    let m = groups.get(g);
    if (!m) groups.set(g, (m = new Map()));
    const k = `${i.order}${SEP}${i.line}`;
    let d = m.get(k);
    if (!d) m.set(k, (d = { order: i.order, line: i.line, released: 0, paid: 0, amount: 0 }));
    return d;
  };
  for (const i of inp.released) touch(i).released += i.amount;
  for (const i of inp.paid) touch(i).paid += i.amount;

  const transfers: PlannedTransfer[] = [];
  const carried: Carried[] = [];
  for (const g of [...groups.keys()].sort((a, b) => cmp(a.split(SEP)[1]!, b.split(SEP)[1]!) || cmp(a, b))) {
    const [entity, currency] = g.split(SEP) as [string, string];
    const deltas = [...groups.get(g)!.values()]
      .map((d) => ({ ...d, amount: d.released - d.paid }))
      .filter((d) => d.amount !== 0)
      .sort((a, b) => cmp(a.order, b.order) || cmp(a.line, b.line));
    if (deltas.length === 0) continue;

    if (inp.recovery === 'reverse' && entity !== inp.platform) {
      transfers.push(...planReversals(entity, currency, deltas, inp.priorTransfers(entity, currency)));
    }
    const rest = deltas.filter((d) => d.amount !== 0);
    if (rest.length === 0) continue;
    const total = rest.reduce((s, d) => s + d.amount, 0);
    const isPlatform = entity === inp.platform;
    if (total <= 0) {
      carried.push({ entity, currency, amount: total, reason: 'net_not_positive' });
    } else if (!isPlatform && !inp.hasAccount(entity)) {
      carried.push({ entity, currency, amount: total, reason: 'no_psp_account' });
    } else {
      transfers.push({
        kind: isPlatform ? 'withdrawal' : 'transfer', entity, currency, amount: total, reverses: null,
        items: rest.map((d) => ({ order: d.order, line: d.line, amount: d.amount, paid_before: d.paid })),
      });
    }
  }
  return { transfers, carried };
}

/**
 * Takes back what was paid on lines no longer due, from the transfers that paid them, newest
 * first. Lowers each delta by what it reverses; what is left is netted by the caller.
 */
function planReversals(entity: string, currency: string, deltas: Delta[], prior: readonly PriorTransfer[]): PlannedTransfer[] {
  const newest = [...prior].sort((a, b) => b.seq - a.seq);
  // What each transfer can still give back: in total, and per line.
  const left = new Map<string, number>();
  const leftOnLine = new Map<string, number>();
  for (const t of newest) {
    const reversedTotal = t.reversed.reduce((s, r) => s + r.amount, 0);
    left.set(t.id, t.amount - reversedTotal);
    for (const it of t.items) {
      const k = `${t.id}${SEP}${it.order}${SEP}${it.line}`;
      leftOnLine.set(k, (leftOnLine.get(k) ?? 0) + it.amount);
    }
    for (const r of t.reversed) {
      const k = `${t.id}${SEP}${r.order}${SEP}${r.line}`;
      leftOnLine.set(k, (leftOnLine.get(k) ?? 0) - r.amount);
    }
  }
  const byTransfer = new Map<string, { t: PriorTransfer; items: PlannedItem[] }>();
  for (const d of deltas) {
    if (d.amount >= 0 || d.paid <= 0) continue;
    // Reverse down to what is still due on the line (not below zero: a negative share is netted).
    let need = Math.min(-d.amount, d.paid - Math.max(d.released, 0));
    for (const t of newest) {
      if (need <= 0) break;
      const k = `${t.id}${SEP}${d.order}${SEP}${d.line}`;
      const take = Math.min(need, leftOnLine.get(k) ?? 0, left.get(t.id) ?? 0);
      if (take <= 0) continue;
      leftOnLine.set(k, leftOnLine.get(k)! - take);
      left.set(t.id, left.get(t.id)! - take);
      let entry = byTransfer.get(t.id);
      if (!entry) byTransfer.set(t.id, (entry = { t, items: [] }));
      entry.items.push({ order: d.order, line: d.line, amount: -take, paid_before: d.paid });
      d.amount += take;
      need -= take;
    }
  }
  return [...byTransfer.values()]
    .sort((a, b) => b.t.seq - a.t.seq)
    .map(({ t, items }) => ({
      kind: 'reversal' as const, entity, currency, amount: items.reduce((s, i) => s + i.amount, 0), items, reverses: { id: t.id, key: t.key },
    }));
}
