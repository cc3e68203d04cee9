// Daily books (migration 0011): each order's movements in the books of entities posting by day
// (`subledger`, one row per order and posting run, append-only, in format 2 since migration 0016;
// also one per periodic invoice, decision 0020), and their sums per entity, journal, day and
// account set (`daily_batches` and their lines) until the day is over and its one entry is
// written. A daily entry's movements are the subledger rows between its batch's first and last
// detail that name the batch.
import type { PostedLine } from '../domain/postings.js';
import type { AccountRole, JournalCode } from '../domain/books-accounts.js';
import { MOVEMENT_HEAD, SUM_STRIDE, type ReadyMovements } from '../api/books-compute.js';
import { KeyTable } from '../api/movement-keys.js';
import { SumRows } from './sum-rows.js';
import { bulkInsert } from './bulk-insert.js';
import { all, qb } from './query.js';
import { isSqlite } from './dialect.js';
import type { Db } from './db.js';

/**
 * One movement line of the subledger, as the readers give it, and as format 1 stored it in
 * `lines_json` (one element per line, the movement's values repeated on each).
 */
export type SubledgerLine = [
  batch: number, entity: string, event: string, fact: string, journal: JournalCode, role: string, account: string, aux: string | null,
  amount: number, amount_orig: number, orig_currency: string, event_at: string, label: string,
];

/**
 * An element of `lines_json` in format 2 (migration 0016, the writer since): one per movement,
 * its values once, then its lines. Rows of both formats may be in one database (0016 does not
 * rewrite the rows before it): a format-2 element ends with an array, a format-1 one with a label.
 */
export type StoredMovement = [
  batch: number, entity: string, event: string, journal: JournalCode, event_at: string, label: string,
  lines: [fact: string, role: string, account: string, aux: string | null, amount: number, amount_orig: number, orig_currency: string][],
];

/** The lines of a subledger row's `lines_json`, in either format, one SubledgerLine each, in order. */
export function subledgerLines(json: string): SubledgerLine[] {
  const out: SubledgerLine[] = [];
  for (const el of JSON.parse(json) as (SubledgerLine | StoredMovement)[]) {
    if (el.length === 13) { out.push(el); continue; }
    const [batch, entity, event, journal, eventAt, label, lines] = el;
    for (const [fact, role, account, aux, amount, amountOrig, currency] of lines) {
      out.push([batch, entity, event, fact, journal, role, account, aux, amount, amountOrig, currency, eventAt, label]);
    }
  }
  return out;
}

/** What is posted in daily books for these orders, summed per entity, event, fact and account role. */
export function postedFromSubledger(db: Db, orderIds: readonly string[]): PostedLine[] {
  if (orderIds.length === 0) return [];
  const rows = db.prepare('SELECT order_id, lines_json FROM subledger WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY id').raw()
    .all(JSON.stringify(orderIds)) as [string, string][];
  const sums = new Map<string, PostedLine>();
  for (const [order, json] of rows) {
    for (const [, entity, event, fact, journal, role, , aux, , amountOrig, origCurrency] of subledgerLines(json)) {
      if (fact === 'invoice') continue; // an invoice's movements (decision 0020), never an order's
      const k = `${entity}\u0000${event}\u0000${fact}\u0000${role}\u0000${aux ?? ''}`;
      const p = sums.get(k);
      if (p) p.amount += amountOrig;
      else sums.set(k, { entity, event, fact, role: role as AccountRole, aux, amount: amountOrig, journal, currency: origCurrency, order, transfer: null });
    }
  }
  return [...sums.values()];
}

export interface BatchKey { entity: string; journal: JournalCode; date: string; accounts: string; currency: string }

/** A batch's key, as ReadyMovements give it (books-compute.ts), and back. */
const keyOf = (k: Omit<BatchKey, 'currency'>) => `${k.entity}\u0000${k.journal}\u0000${k.date}\u0000${k.accounts}`;
function batchKey(key: string): [entity: string, journal: JournalCode, date: string, accounts: string] {
  const p = key.split('\u0000');
  const n = p.length;
  return [p.slice(0, n - 3).join('\u0000'), p[n - 3] as JournalCode, p[n - 2]!, p[n - 1]!];
}

/** An open batch as the daily writers keep it, under `key`; `fresh` until it is written. */
interface WriterBatch {
  id: number; key: number; movements: number; first: number; last: number; touched: boolean; fresh: BatchKey | null;
}

/** A batch line's sums: batch, role, account, aux ('' for none), currency, debit, credit, debit_orig, credit_orig. */
export type BatchSums = [number, string, string, string, string, number, number, number, number];

/**
 * The open batches of daily books and what posting adds to them, until `write`: new batches
 * (written once, with their counts), the counts of stored ones, and every batch line's sums (as
 * increments). A run of posting calls (the settlement runner's chunks) shares one, read once
 * (`preload`: every open batch, so that a key it lacks has none, the run being their only writer)
 * and written at the end of each of the run's transactions, or less often (settlement-runner.ts),
 * so a batch that several chunks touch is written once per write rather than once per chunk.
 * Without `preload`, each key is looked up once (the daily_batches_open index): reading them all
 * per posting call cost a fifth of an import's time once there were thousands.
 */
export function dailyBatches(db: Db, preload: boolean, keys: KeyTable) {
  // Open batches by the number of their key in `keys` (movement-keys.ts).
  const open = new Map<number, WriterBatch | null>();
  if (preload) {
    const rows = db.prepare('SELECT id, entity, journal, entry_date, accounts, movements, last_detail FROM daily_batches WHERE entry_id IS NULL').raw()
      .all() as [number, string, JournalCode, string, string, number, number][];
    for (const [id, entity, journal, date, accounts, movements, last] of rows) {
      const key = keys.id(keyOf({ entity, journal, date, accounts }));
      open.set(key, { id, key, movements, first: 0, last, touched: false, fresh: null });
    }
  }
  const findOpen = db.prepare('SELECT id, movements, last_detail FROM daily_batches WHERE entity = ? AND journal = ? AND entry_date = ? AND accounts = ? AND entry_id IS NULL').raw();
  let nextBatch = (db.prepare('SELECT coalesce(max(id), 0) + 1 FROM daily_batches').pluck().get() as number);
  let touched: WriterBatch[] = [];
  // Every batch line's sums since the last write, in the order they were first added (their rows' order).
  let sums = new SumRows();
  // Multi-row statements, parents first: new batches, then the sums.
  // One row per statement: measured 15 to 20 % faster than 64 for these rows (docs/performance.md).
  const putBatches = bulkInsert(db, 'INSERT INTO daily_batches (id, entity, journal, entry_date, accounts, currency, movements, first_detail, last_detail, entry_id) VALUES', 10,
    { sqliteRows: 1 });
  const putLines = bulkInsert(db, 'INSERT INTO daily_batch_lines (batch_id, role, account, aux, orig_currency, debit, credit, debit_orig, credit_orig) VALUES', 9, {
    accumulate: { key: ['batch_id', 'role', 'account', 'aux', 'orig_currency'], add: ['debit', 'credit', 'debit_orig', 'credit_orig'] },
    before: () => putBatches.flush(),
  });
  const setBatch = db.prepare('UPDATE daily_batches SET movements = ?, last_detail = ? WHERE id = ?');
  // A sum key's role, account, aux and currency, split once per key rather than per batch line.
  const parts: (readonly [role: string, account: string, aux: string, currency: string])[] = [];
  const partsOf = (sk: number) => (parts[sk] ??= keys.key(sk).split('\u0000').slice(1) as [string, string, string, string]);
  /** Row `r` of the sums as the batch lines' statement takes it. */
  const sumsAt = (r: number): BatchSums => {
    const [role, account, aux, currency] = partsOf(sums.key[r]!);
    const a = sums.amounts;
    return [sums.batch[r]!, role, account, aux, currency, a[r * 4]!, a[r * 4 + 1]!, a[r * 4 + 2]!, a[r * 4 + 3]!];
  };
  return {
    /** The table that numbers the keys of the movements counted (ReadyMovements). */
    keys,
    /**
     * Counts a movement of subledger row `detail` in the open batch of its key (a new one when
     * there is none) and adds its lines to the batch's sums; `at`: where the movement starts in
     * `v` (ReadyMovements, books-compute.ts). Returns the batch id.
     */
    count(v: ReadyMovements, at: number, detail: number): number {
      const k = v[at] as number;
      let b = open.get(k);
      if (b === undefined && !preload) {
        const [entity, journal, date, accounts] = batchKey(keys.key(k));
        const row = findOpen.get(entity, journal, date, accounts) as [number, number, number] | undefined;
        b = row ? { id: row[0], key: k, movements: row[1], first: 0, last: row[2], touched: false, fresh: null } : null;
        open.set(k, b);
      }
      if (!b) {
        const [entity, journal, date, accounts] = batchKey(keys.key(k));
        b = { id: nextBatch++, key: k, movements: 0, first: detail, last: detail, touched: false, fresh: { entity, journal, date, accounts, currency: v[at + 1] as string } };
        open.set(k, b);
      }
      b.movements++;
      b.last = detail;
      if (!b.touched) { b.touched = true; touched.push(b); }
      const batch = b.id;
      const end = at + MOVEMENT_HEAD + SUM_STRIDE * (v[at + 4] as number);
      for (let i = at + MOVEMENT_HEAD; i < end; i += SUM_STRIDE) {
        const amount = v[i + 1] as number;
        const amountOrig = v[i + 2] as number;
        // Debits and credits apart: the day's entry keeps the turnover of each account.
        if (amount > 0 || (amount === 0 && amountOrig > 0)) sums.add(batch, v[i] as number, amount, 0, amountOrig, 0);
        else sums.add(batch, v[i] as number, 0, -amount, 0, -amountOrig);
      }
      return batch;
    },
    /**
     * Takes out the batches never written whose day `over` says is over, with all their sums (a
     * batch's sums are cleared only when it is written), ordered as `openBatches` orders them:
     * the run's end journalizes them from memory and writes each once, pointed at its entry
     * (`writeJournalized`), rather than writing them open, reading them back and pointing them
     * at their entries (books-finish.ts). `write` then writes the others.
     */
    takeOver(over: (entity: string, date: string) => boolean): HeldBatch[] {
      const out: HeldBatch[] = [];
      const taken = new Map<number, BatchSums[]>(); // each taken batch's sums, by its id
      const left: WriterBatch[] = [];
      for (const b of touched) {
        const f = b.fresh;
        if (!f || !over(f.entity, f.date)) { left.push(b); continue; }
        const batchSums: BatchSums[] = [];
        out.push({ id: b.id, entity: f.entity, journal: f.journal, entry_date: f.date, accounts: f.accounts, currency: f.currency, movements: b.movements,
          first: b.first, last: b.last, sums: batchSums });
        taken.set(b.id, batchSums);
        open.delete(b.key);
      }
      if (out.length === 0) return out;
      touched = left;
      // Each taken batch's sums in the order first added; the others' rows kept, in their order.
      const kept = new SumRows();
      for (let r = 0; r < sums.n; r++) {
        const batchSums = taken.get(sums.batch[r]!);
        if (batchSums) { batchSums.push(sumsAt(r)); continue; }
        const a = sums.amounts;
        kept.add(sums.batch[r]!, sums.key[r]!, a[r * 4]!, a[r * 4 + 1]!, a[r * 4 + 2]!, a[r * 4 + 3]!);
      }
      sums = kept;
      return out.sort(byDay);
    },
    /** Writes batches taken out (`takeOver`) with their sums, each pointed at its entry (`entryOf`: 0 when its movements cancelled out). */
    writeJournalized(batches: readonly HeldBatch[], entryOf: ReadonlyMap<number, number>) {
      // In id order, as `write` would: both tables' keys then grow at their end.
      const inOrder = [...batches].sort((a, b) => a.id - b.id);
      for (const b of inOrder) {
        putBatches.add([b.id, b.entity, b.journal, b.entry_date, b.accounts, b.currency, b.movements, b.first, b.last, entryOf.get(b.id) ?? 0]);
      }
      putBatches.flush();
      for (const b of inOrder) for (const s of b.sums) putLines.add(s);
      putLines.flush();
    },
    /** Batch line sums waiting for `write`. */
    get pending() { return sums.n; },
    /** Writes what was counted and summed since the last write. */
    write() {
      for (const b of touched) {
        if (b.fresh) {
          const f = b.fresh;
          putBatches.add([b.id, f.entity, f.journal, f.date, f.accounts, f.currency, b.movements, b.first, b.last, null]);
          b.fresh = null;
        } else {
          setBatch.run(b.movements, b.last, b.id);
        }
        b.touched = false;
      }
      touched.length = 0;
      putBatches.flush();
      for (let r = 0; r < sums.n; r++) putLines.add(sumsAt(r));
      putLines.flush();
      sums.clear();
    },
  };
}

export type DailyBatches = ReturnType<typeof dailyBatches>;

/**
 * Writes a posting call's daily movements: one subledger row per order (explicit ids, so a batch
 * knows its range before the row is written), counted and summed in their batches, which are
 * written with the rows, or by the run's `batches.write()` when the caller shares them.
 */
export function dailyWriter(db: Db, shared?: DailyBatches, keys = new KeyTable()) {
  const batches = shared ?? dailyBatches(db, false, keys);
  let nextId = (db.prepare('SELECT coalesce(max(id), 0) + 1 FROM subledger').pluck().get() as number);
  const putRows = bulkInsert(db, 'INSERT INTO subledger (id, order_id, lines_json, created_at) VALUES', 4);
  const pending = new Map<string, ReadyMovements[]>();
  return {
    /** The table that numbers its movements' keys (those of `shared`, when given). */
    keys: batches.keys,
    /** Queues an order's movements (ReadyMovements, books-compute.ts). */
    add(order: string, movements: ReadyMovements) {
      let list = pending.get(order);
      if (!list) pending.set(order, (list = []));
      list.push(movements);
    },
    /** Number of orders waiting for `flush`. */
    get size() { return pending.size; },
    flush(at: string) {
      for (const order of [...pending.keys()].sort()) {
        const id = nextId++;
        let json = '';
        for (const v of pending.get(order)!) {
          for (let i = 0; i < v.length; i += MOVEMENT_HEAD + SUM_STRIDE * (v[i + 4] as number)) {
            const batch = batches.count(v, i, id);
            // The movement's lines with their batch id (a raw NUL marks its place).
            const lines = v[i + 3] as string;
            if (lines !== '') json += (json === '' ? '' : ',') + lines.replaceAll('\u0000', String(batch));
          }
        }
        putRows.add([id, order, `[${json}]`, at]);
      }
      putRows.flush();
      if (!shared) batches.write();
      pending.clear();
    },
  };
}

export interface OpenBatch { id: number; entity: string; journal: JournalCode; entry_date: string; accounts: string; currency: string; movements: number }

/** A batch never written, taken out at the run's end with its detail range and its lines' sums (`takeOver`). */
export interface HeldBatch extends OpenBatch { first: number; last: number; sums: readonly BatchSums[] }

/**
 * `openBatches`' order, for batches of both kinds. JavaScript compares UTF-16 code units and
 * SQLite (BINARY) and PostgreSQL under C.UTF-8 compare code points: the same order, but for
 * characters beyond U+FFFF against U+E000 to U+FFFF, which ids and account numbers never hold.
 */
export const byDay = (a: OpenBatch, b: OpenBatch) =>
  cmp(a.entry_date, b.entry_date) || cmp(a.entity, b.entity) || cmp(a.journal, b.journal) || cmp(a.accounts, b.accounts);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The original currency of the first line of a held batch's entry, as `openHeads` reads it of a
 * stored one: its first debit, else its first credit, in `sideOrder`; undefined when every sum is zero.
 */
export function heldHead(sums: readonly BatchSums[]): string | undefined {
  let head: BatchSums | undefined;
  for (const side of [0, 1]) {
    for (const s of sums) {
      if (side === 0 ? s[5] === 0 && s[7] === 0 : s[6] === 0 && s[8] === 0) continue;
      // account, aux, role, currency
      if (!head || (cmp(s[2], head[2]) || cmp(s[3], head[3]) || cmp(s[1], head[1]) || cmp(s[4], head[4])) < 0) head = s;
    }
    if (head) return head[4];
  }
  return undefined;
}

/** Batches whose day has no entry yet. */
export function openBatches(db: Db): OpenBatch[] {
  return all(db, qb.selectFrom('daily_batches').select(['id', 'entity', 'journal', 'entry_date', 'accounts', 'currency', 'movements'])
    .where('entry_id', 'is', null).orderBy('entry_date').orderBy('entity').orderBy('journal').orderBy('accounts')) as OpenBatch[];
}

/**
 * A day's entry has one line per account and side of its batch's sums: debits first, then
 * credits, each in account, auxiliary, role and currency order (the detailed entries' turnover).
 * `batchSides` gives those lines of the batches `filter` selects (over `b`, the batch), `sideOrder`
 * their order (columns prefixed by `s`).
 */
export const batchSides = (filter: string) => `SELECT b.id AS batch_id, b.entry_id, 0 AS side, l.role, l.account, l.aux, l.orig_currency, l.debit, 0 AS credit, l.debit_orig AS amount_orig
    FROM daily_batches b JOIN daily_batch_lines l ON l.batch_id = b.id WHERE ${filter} AND (l.debit <> 0 OR l.debit_orig <> 0)
  UNION ALL
  SELECT b.id, b.entry_id, 1, l.role, l.account, l.aux, l.orig_currency, 0, l.credit, -l.credit_orig
    FROM daily_batches b JOIN daily_batch_lines l ON l.batch_id = b.id WHERE ${filter} AND (l.credit <> 0 OR l.credit_orig <> 0)`;
export const sideOrder = (s: string) => `ORDER BY ${s}side, ${s}account, ${s}aux, ${s}role, ${s}orig_currency`;

/**
 * What writing the days' entries reads and writes: the first line's currency of every open
 * batch in one read, how many batches of each day with an open batch already have their entry
 * in one read (the daily_batches_day index), and the entries the batches became in one
 * statement (0: its movements cancelled out). The lines themselves are never read into
 * JavaScript: the entry writer writes them from the batches' sums in SQL (`insertDayLines`,
 * books-repo.ts, the one writer of lines).
 */
export function dayJournal(db: Db) {
  return {
    /**
     * The original currency of the first line of each open batch's entry (`batchSides`' order: its
     * first debit, else its first credit); a batch left out has no line (its sums are all zero).
     * A lookup per batch in the lines' primary key: numbering every open batch's lines with a
     * window function sorted them all, four times the cost.
     */
    openHeads(): Map<number, string> {
      const first = (side: string) => `(SELECT l.orig_currency FROM daily_batch_lines l WHERE l.batch_id = b.id AND (l.${side} <> 0 OR l.${side}_orig <> 0)
        ORDER BY l.account, l.aux, l.role, l.orig_currency LIMIT 1)`;
      const rows = db.prepare(`SELECT b.id, coalesce(${first('debit')}, ${first('credit')}) FROM daily_batches b WHERE b.entry_id IS NULL`)
        .raw().all() as [number, string | null][];
      const out = new Map<number, string>();
      for (const [id, head] of rows) if (head !== null) out.set(id, head);
      return out;
    },
    /**
     * For each day (`dayKey`) that has an open batch, stored or `held` (not written yet), how many
     * of its batches already have their entry (or cancelled out): the rank of its next entry
     * follows them. Days without are left out; where no batch has its entry yet (a first
     * import), every day is.
     */
    journalizedDays(held: readonly OpenBatch[] = []): Map<string, number> {
      if (!db.prepare('SELECT 1 FROM daily_batches WHERE entry_id IS NOT NULL LIMIT 1').get()) return new Map();
      const days = new Map(held.map((b) => [dayKey(b.entity, b.journal, b.entry_date), [b.entity, b.journal, b.entry_date]]));
      const heldDays = isSqlite(db)
        ? 'SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)'
        : 'SELECT d ->> 0, d ->> 1, d ->> 2 FROM jsonb_array_elements(?::jsonb) AS d';
      const rows = db.prepare(`SELECT o.entity, o.journal, o.entry_date, (SELECT count(*) FROM daily_batches b
          WHERE b.entity = o.entity AND b.journal = o.journal AND b.entry_date = o.entry_date AND b.entry_id IS NOT NULL) AS n
        FROM (SELECT entity, journal, entry_date FROM daily_batches WHERE entry_id IS NULL UNION ${heldDays}) AS o`)
        .raw().all(JSON.stringify([...days.values()])) as [string, string, string, number][];
      const out = new Map<string, number>();
      for (const [entity, journal, date, n] of rows) if (n > 0) out.set(dayKey(entity, journal, date), n);
      return out;
    },
    /** Points open batches at their entries (`entries[i]` for `batches[i]`), in one statement rather than one per batch. */
    setEntries(batches: readonly number[], entries: readonly number[]): void {
      if (batches.length === 0) return;
      if (isSqlite(db)) {
        db.prepare(`UPDATE daily_batches SET entry_id = p.value ->> 1 FROM json_each(?) AS p
          WHERE daily_batches.id = p.value ->> 0 AND daily_batches.entry_id IS NULL`).run(JSON.stringify(batches.map((b, i) => [b, entries[i]])));
      } else {
        db.prepare(`UPDATE daily_batches SET entry_id = p.entry FROM unnest(?::bigint[], ?::bigint[]) AS p(batch, entry)
          WHERE daily_batches.id = p.batch AND daily_batches.entry_id IS NULL`).run([[...batches], [...entries]]);
      }
    },
  };
}

/** A day of a journal in an entity's daily books, as `journalizedDays` keys it. */
export const dayKey = (entity: string, journal: string, date: string) => `${entity}|${journal}|${date}`;

/** The movements behind a daily entry, order by order (the drill-down of its piece reference). */
export function dailyDetail(db: Db, entryId: number): { order: string; line: SubledgerLine }[] {
  const batches = all(db, qb.selectFrom('daily_batches').select(['id', 'first_detail', 'last_detail']).where('entry_id', '=', entryId));
  const out: { order: string; line: SubledgerLine }[] = [];
  for (const b of batches) {
    const rows = db.prepare('SELECT order_id, lines_json FROM subledger WHERE id BETWEEN ? AND ? ORDER BY id').raw().all(b.first_detail, b.last_detail) as [string, string][];
    for (const [order, json] of rows) for (const line of subledgerLines(json)) if (line[0] === b.id) out.push({ order, line });
  }
  return out;
}
