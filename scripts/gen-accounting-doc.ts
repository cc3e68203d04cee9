// Generates the journal of the example order W-1001 that docs/accounting.md shows, from the code:
// W-1001 of test/fixtures/examples/network-basic.json imported alone (with its events) on 1 April
// 2026 (March is over: its periodic invoices are issued), then released as of 20 March. `npx tsx scripts/gen-accounting-doc.ts` rewrites the block between
// the markers of docs/accounting.md; test/integration/accounting-doc.test.ts fails when the
// document and the code disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createContext } from '../core/api/context.js';
import { callApi } from '../core/api/index.js';
import { openDatabase } from '../core/store/database.js';

const here = dirname(fileURLToPath(import.meta.url));
export const DOC = resolve(here, '../docs/accounting.md');
const EXAMPLE = resolve(here, '../test/fixtures/examples/network-basic.json');
export const BEGIN = '<!-- BEGIN GENERATED: journal of W-1001 (npx tsx scripts/gen-accounting-doc.ts) -->';
export const END = '<!-- END GENERATED -->';

type Json = Record<string, any>;

const amount = (minor: number) => (minor === 0 ? '' : `${Math.trunc(minor / 100)},${String(Math.abs(minor) % 100).padStart(2, '0')}`);

function must(r: { ok: boolean; value?: unknown; error?: unknown }): Json {
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.value as Json;
}

/** The Markdown of the W-1001 journals of HQ, LYON and VILL, and their balances. */
export function exampleJournalMarkdown(): string {
  const scenario = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Json;
  scenario.orders = scenario.orders.filter((o: Json) => o.id === 'W-1001');
  scenario.events = scenario.events.filter((e: Json) => e.order === 'W-1001');
  const now = new Date('2026-04-01T08:00:00Z');
  const { db } = openDatabase({ file: ':memory:', now: () => now });
  try {
    const ctx = createContext(db, { now: () => now });
    must(callApi(ctx, 'scenario.import', { scenario }));
    const run = must(callApi(ctx, 'release.run', { as_of: '2026-03-20T12:00:00Z' }));
    const out: string[] = [];
    out.push(`Release run as of 2026-03-20: ${(run.transfers as Json[]).map((t) => `${t.kind} ${t.entity} ${amount(t.amount)}`).join(', ')}.`);
    for (const entity of ['HQ', 'LYON', 'VILL']) {
      const j = must(callApi(ctx, 'journal.entries', { entity, limit: 1000 }));
      out.push('', `#### ${entity}${entity === 'HQ' ? ' (the platform, P)' : ''}`, '');
      out.push('| Entry | Date | Label | Piece | Account | Debit | Credit |', '| --- | --- | --- | --- | --- | ---: | ---: |');
      for (const e of j.entries as Json[]) {
        (e.lines as Json[]).forEach((l, i) => {
          const acct = `${l.account}${l.aux ? `-${l.aux}` : ''} ${l.account_label}`;
          out.push(i === 0
            ? `| ${e.number} | ${e.date} | ${e.label} | ${e.piece_ref} | ${acct} | ${amount(l.debit)} | ${amount(l.credit)} |`
            : `| | | | | ${acct} | ${amount(l.debit)} | ${amount(l.credit)} |`);
        });
      }
      const tb = must(callApi(ctx, 'journal.trialBalance', { entity }));
      out.push('', `Balances: ${(tb.rows as Json[]).map((r) => `${r.account} ${r.closing >= 0 ? 'D' : 'C'} ${amount(Math.abs(r.closing)) || '0,00'}`).join(' · ')} (debits ${amount(tb.totals.debit)} = credits ${amount(tb.totals.credit)}).`);
    }
    return out.join('\n');
  } finally {
    db.close();
  }
}

/** The document with its generated block replaced. */
export function withGeneratedBlock(doc: string, block: string): string {
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${DOC} has no ${BEGIN} ... ${END} block`);
  return `${doc.slice(0, a + BEGIN.length)}\n${block}\n${doc.slice(b)}`;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const doc = readFileSync(DOC, 'utf8');
  writeFileSync(DOC, withGeneratedBlock(doc, exampleJournalMarkdown()));
  console.log(`rewrote the generated block of ${join('docs', 'accounting.md')}`);
}
