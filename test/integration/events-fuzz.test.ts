// `ventil events` under malformed input (issue 16, "Also"): at least 200 broken event files, made
// by a seeded mutator from the example's valid events, each mixing valid new events with one or
// more broken ones (or broken as a whole file). Every file must be refused with exit 2, a named
// problem, and nothing stored (the database dump is identical), or, for a file holding only
// events already stored, accepted as a no-op. They run through the command's own code path in
// this process (`main`), a handful through the real command too.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/demo/random.js';
import { openSqlite } from '../../core/store/sqlite.js';
import { ventil, ventilHere } from '../helpers/cli.js';
import { readExample, tempDir } from '../helpers/db.js';

const SEED = Number(process.env.VENTIL_FUZZ_SEED ?? 1616);
const FILES = 240;
const FORMAT = 'ventil.scenario/1';

type Json = Record<string, any>;
const tmp = tempDir('ventil-events-fuzz-');
const db = join(tmp.dir, 'fuzz.db');
const example = readExample('network-basic.json') as { events: Json[] };
/** Stored before the fuzzing: resubmitting them is a no-op. */
const stored = example.events.slice(0, 6);
/** Valid new events: a file holding only these would be accepted. */
const fresh = example.events.slice(6);

/**
 * Every table's rows, in storage order: what "nothing stored" compares. An accepted call, even a
 * no-op, leaves its row in the audit trail: `except` leaves that table out.
 */
function dump(except: string[] = []): string {
  const raw = openSqlite(db, { readonly: true });
  try {
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => !except.includes(t));
    return JSON.stringify(tables.map((t) => [t, raw.prepare(`SELECT * FROM "${t}"`).raw().all()]));
  } finally {
    raw.close();
  }
}

beforeAll(async () => {
  const base = readExample('network-basic.json');
  base.events = [];
  const file = join(tmp.dir, 'base.json');
  writeFileSync(file, JSON.stringify(base));
  expect((await ventilHere(['import', file, '--db', db])).status).toBe(0);
  writeFileSync(join(tmp.dir, 'stored.json'), JSON.stringify({ format: FORMAT, events: stored }));
  expect((await ventilHere(['events', join(tmp.dir, 'stored.json'), '--db', db])).status).toBe(0);
});
afterAll(() => tmp.cleanup());

// ---- The mutator ------------------------------------------------------------------------------

const rand = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const clone = (e: Json): Json => structuredClone(e);
const WRONG_TYPES: unknown[] = [null, 42, -1, 1.5, true, [], {}, ['W-1001'], { id: 'x' }, ''];
const BAD_TIMES = ['2026-13-01T00:00:00Z', '2026-02-30T10:00:00Z', 'yesterday', '2026-03-02 10:00:00', '', '2026-03-02T25:00:00Z', '1e9', '2026-03-02T10:00:00+25:00'];
const HIDDEN = ['\u200b', '\u202e', '\u0000', '\ufeff', '\u2066', '\u00ad', '\u3164', '\ud800', '\udfff', '\u2028'];
const REQUIRED: Record<string, string[]> = {
  fulfilment_accepted: ['type', 'order', 'line', 'at', 'location'],
  fulfilment_refused: ['type', 'order', 'line', 'at', 'location', 'reason'],
  line_returned: ['type', 'order', 'line', 'at', 'quantity'],
};
const required = (e: Json) => REQUIRED[e.type] ?? ['type', 'order', 'line', 'at'];

/** One broken event, made from a valid one; each mutation is refused by itself. */
const MUTATIONS: { name: string; make: (e: Json) => unknown }[] = [
  { name: 'missing field', make: (e) => { const x = clone(e); delete x[pick(required(e))]; return x; } },
  { name: 'wrong type', make: (e) => ({ ...clone(e), [pick(required(e))]: pick(WRONG_TYPES) }) },
  { name: 'unknown type', make: (e) => ({ ...clone(e), type: pick(['line_lost', 'LINE_SHIPPED', 'shipped', 'line_shipped ', '']) }) },
  { name: 'unknown order', make: (e) => ({ ...clone(e), order: pick(['W-0000', 'w-1001', 'W-1001 ', ' W-1001', 'W-10011']) }) },
  { name: 'unknown line', make: (e) => ({ ...clone(e), line: pick(['9', '01', '1.0', 7, -1, 1.5]) }) },
  { name: 'unknown location', make: (e) => ({ ...clone(e), type: 'fulfilment_accepted', location: pick(['ST-NOWHERE', 'st-lyon', 'WH-NORD\u200b']) }) },
  { name: 'location not a candidate', make: () => ({ type: 'fulfilment_accepted', order: 'W-1003', line: '2', location: 'ST-LYON', at: '2026-03-06T10:00:00Z' }) },
  { name: 'invisible character in an id', make: (e) => ({ ...clone(e), [pick(['order', 'line', 'id'])]: `${e.order}${pick(HIDDEN)}` }) },
  { name: 'bad time', make: (e) => ({ ...clone(e), at: pick(BAD_TIMES) }) },
  { name: 'before the order existed', make: (e) => ({ ...clone(e), at: '2026-01-01T00:00:00Z' }) },
  { name: 'bad return quantity', make: () => ({ type: 'line_returned', order: 'W-1002', line: '1', at: '2026-03-11T10:00:00Z', quantity: pick([0, -1, 1.5, 3, 1e20, '1']) }) },
  { name: 'unknown field', make: (e) => ({ ...clone(e), [pick(['note', 'Type', 'amount', '__proto__x', 'quantity '])]: 1 }) },
  { name: 'unknown refusal reason', make: () => ({ type: 'fulfilment_refused', order: 'W-1003', line: '2', location: 'ST-LILLE', reason: pick(['broken', 'NO_STOCK', '']), at: '2026-03-06T09:30:00Z' }) },
  { name: 'not an object', make: () => pick([null, 42, 'line_shipped', [], true]) },
  { name: 'id reused with other content', make: () => ({ id: 'EV-STORED', type: 'line_shipped', order: 'EA-2001', line: '1', at: '2026-03-04T18:00:00Z' }) },
  { name: 'over-long id', make: (e) => ({ ...clone(e), id: 'E'.repeat(129 + Math.floor(rand() * 1000)) }) },
  { name: 'returned though never fulfilled', make: () => ({ type: 'line_returned', order: 'W-1003', line: '2', quantity: 1, at: '2026-03-07T10:00:00Z' }) },
];

/** Malformations of the file as a whole. */
const FILE_MUTATIONS: { name: string; make: (events: unknown[]) => string }[] = [
  { name: 'format missing', make: (events) => JSON.stringify({ events }) },
  { name: 'another format', make: (events) => JSON.stringify({ format: pick(['ventil.scenario/2', 'VENTIL.SCENARIO/1', 1, null]), events }) },
  { name: 'events not a list', make: () => JSON.stringify({ format: FORMAT, events: pick([{}, 'events', null, 3]) }) },
  { name: 'unknown top-level field', make: (events) => JSON.stringify({ format: FORMAT, events, orders: [] }) },
  { name: 'not an object', make: (events) => JSON.stringify(pick([events, null, 'events', 7])) },
  { name: 'not JSON', make: (events) => { const t = JSON.stringify({ format: FORMAT, events }); return t.slice(0, Math.floor(rand() * (t.length - 1))); } },
];

interface Case { name: string; text: string; noop: boolean }

function makeCases(): Case[] {
  const cases: Case[] = [];
  for (let i = 0; cases.length < FILES; i++) {
    const valid = fresh.filter(() => rand() < 0.5).map(clone);
    if (i % 8 === 7) {
      const f = pick(FILE_MUTATIONS);
      cases.push({ name: `file: ${f.name}`, text: f.make(valid), noop: false });
      continue;
    }
    const events: unknown[] = [...valid, ...(rand() < 0.3 ? stored.map(clone) : [])];
    const n = 1 + Math.floor(rand() * 3);
    const names: string[] = [];
    for (let k = 0; k < n; k++) {
      const m = pick(MUTATIONS);
      names.push(m.name);
      const broken = m.make(pick(example.events));
      // The same id, with other content, elsewhere in the file.
      if (m.name === 'id reused with other content') events.push({ id: 'EV-STORED', type: 'line_shipped', order: 'EA-2001', line: '1', at: '2026-03-04T17:00:00Z' });
      events.splice(Math.floor(rand() * (events.length + 1)), 0, broken);
    }
    cases.push({ name: names.join(' + '), text: JSON.stringify({ format: FORMAT, events }), noop: false });
  }
  // Files holding only stored events: accepted, and nothing changes.
  for (let i = 0; i < 4; i++) cases.push({ name: 'only stored events', text: JSON.stringify({ format: FORMAT, events: stored.filter(() => rand() < 0.7).map(clone) }), noop: true });
  return cases;
}

describe(`ventil events on ${FILES} malformed files (seed ${SEED})`, () => {
  it('refuses each with exit 2 and a named problem, storing nothing; accepts only-stored files as no-ops', async () => {
    let before = dump();
    const cases = makeCases();
    const failures: string[] = [];
    for (const [i, c] of cases.entries()) {
      const file = join(tmp.dir, `case-${i}.json`);
      writeFileSync(file, c.text);
      const r = await ventilHere(['events', file, '--db', db, '--json']);
      const out = r.stdout.trim() ? JSON.parse(r.stdout) as { ok: boolean; error?: { code: string; issues?: { path: string }[] }; added?: number } : null;
      const label = `case ${i} (${c.name})`;
      if (c.noop) {
        if (r.status !== 0 || out?.added !== 0) failures.push(`${label}: expected a no-op, got exit ${r.status} ${r.stdout.slice(0, 200)}`);
        // Nothing but the call's own audit row.
        if (dump(['audit_log']) !== JSON.stringify(JSON.parse(before).filter(([t]: [string]) => t !== 'audit_log'))) failures.push(`${label}: a no-op changed the database`);
        before = dump();
        continue;
      } else if (r.status !== 2 || out?.ok !== false || !out.error?.code) {
        failures.push(`${label}: expected exit 2 with a named error, got exit ${r.status} ${(r.stdout + r.stderr).slice(0, 300)}`);
      } else if (c.name !== 'file: not JSON' && !c.name.startsWith('file: not an object') && !(out.error.issues ?? []).some((x) => typeof x.path === 'string')) {
        failures.push(`${label}: no problem names its path: ${r.stdout.slice(0, 300)}`);
      }
      if (dump() !== before) {
        failures.push(`${label}: the database changed`);
        break;
      }
    }
    expect(failures).toEqual([]);
    expect(cases.filter((c) => !c.noop).length).toBeGreaterThanOrEqual(200);
  }, 120_000);

  it('gives the same answers through the real command', () => {
    const before = dump();
    for (const [name, text] of [
      ['invisible', JSON.stringify({ format: FORMAT, events: [{ ...fresh[0], order: 'W-1002\u200b' }] })],
      ['no format', JSON.stringify({ events: fresh })],
      ['mixed', JSON.stringify({ format: FORMAT, events: [...fresh, { ...fresh[0], at: 'yesterday' }] })],
    ] as const) {
      const file = join(tmp.dir, `real-${name}.json`);
      writeFileSync(file, text);
      const r = ventil(['events', file, '--db', db]);
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^(events\[\d+\]|format)/m);
    }
    expect(dump()).toBe(before);
    // And the valid events alone are taken: the refusals were about the broken ones.
    const ok = join(tmp.dir, 'real-valid.json');
    writeFileSync(ok, JSON.stringify({ format: FORMAT, events: fresh }));
    expect(JSON.parse(readFileSync(ok, 'utf8')).events.length).toBe(fresh.length);
    expect(ventil(['events', ok, '--db', db]).status).toBe(0);
    expect(dump()).not.toBe(before);
  });
});
