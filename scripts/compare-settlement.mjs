#!/usr/bin/env node
// Compares a ventil.settlement/1 report (actual) with an expected one, on the fields that
// docs/spec.md fixes. Usage: compare-settlement.mjs EXPECTED.json ACTUAL.json
// Exit 0 when they agree; 1 with one line per difference; 2 on unreadable input.
import { readFileSync } from 'node:fs';

const [expPath, actPath] = process.argv.slice(2);
let exp, act;
try {
  exp = JSON.parse(readFileSync(expPath, 'utf8'));
  act = JSON.parse(readFileSync(actPath === '-' ? 0 : actPath, 'utf8'));
} catch (e) {
  console.error(`compare-settlement: ${e.message}`);
  process.exit(2);
}
const diffs = [];
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const check = (where, e, a) => { if (!same(e, a)) diffs.push(`${where}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`); };
const sortKeys = (o) => o && typeof o === 'object' ? Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]])) : o;
const nonZero = (o) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== 0));
const legKey = (l) => `${l.rule}|${l.from}|${l.to}|${l.amount}|${l.vat}`;

if (act.format !== 'ventil.settlement/1') diffs.push(`format: expected "ventil.settlement/1", got ${JSON.stringify(act.format)}`);
const actOrders = new Map((act.orders ?? []).map((o) => [o.id, o]));
for (const eo of exp.orders) {
  const ao = actOrders.get(eo.id);
  if (!ao) { diffs.push(`order ${eo.id}: missing`); continue; }
  for (const k of ['currency', 'captured', 'psp_fees', 'refunded']) check(`order ${eo.id} ${k}`, eo[k], ao[k]);
  check(`order ${eo.id} payouts`, sortKeys(nonZero(eo.payouts)), sortKeys(nonZero(ao.payouts)));
  const esc = (m) => sortKeys(Object.fromEntries(Object.entries(m ?? {})
    .map(([k, v]) => [k, { held: v.held ?? 0, released: v.released ?? 0 }])
    .filter(([, v]) => v.held !== 0 || v.released !== 0)));
  check(`order ${eo.id} escrow`, esc(eo.escrow), esc(ao.escrow));
  const actLines = new Map((ao.lines ?? []).map((l) => [String(l.id), l]));
  for (const el of eo.lines) {
    const al = actLines.get(String(el.id));
    const w = `order ${eo.id} line ${el.id}`;
    if (!al) { diffs.push(`${w}: missing`); continue; }
    for (const k of ['gross', 'vat', 'net', 'fee_share', 'fulfiller', 'refunded']) check(`${w} ${k}`, el[k], al[k]);
    for (const r of ['owner', 'seller']) check(`${w} roles.${r}`, el.roles[r], al.roles?.[r]);
    const live = (ls) => (ls ?? []).filter((l) => !l.void).map(legKey).sort();
    check(`${w} legs`, live(el.legs), live(al.legs));
  }
}
for (const [cur, et] of Object.entries(exp.totals ?? {})) {
  const at = act.totals?.[cur];
  if (!at) { diffs.push(`totals ${cur}: missing`); continue; }
  for (const k of ['captured', 'psp_fees', 'refunded']) check(`totals ${cur} ${k}`, et[k], at[k]);
  check(`totals ${cur} payouts`, sortKeys(nonZero(et.payouts)), sortKeys(nonZero(at.payouts)));
}
for (const d of diffs) console.log(d);
console.log(diffs.length === 0 ? 'settlement matches' : `${diffs.length} difference(s)`);
process.exit(diffs.length === 0 ? 0 : 1);
