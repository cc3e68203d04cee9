// The settlement report as readable text, for `ventil settle` without `--json`: per order, a
// table of lines and their legs, then payouts and escrow per entity; at the end, totals per
// currency and entity. Amounts are written with the currency's exponent (11844 EUR → 118.44).
import { formatMinor } from './money.js';
import type { SettlementReport } from './settlement-types.js';

type Align = 'l' | 'r';

function table(headers: string[], rows: string[][], align: Align[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)];
}

export function formatSettlementText(report: SettlementReport): string {
  const out: string[] = [];
  out.push(`Settlement as of ${report.as_of} — ${report.orders.length} order(s)`);
  for (const o of report.orders) {
    const m = (n: number) => formatMinor(n, o.currency);
    out.push('');
    out.push(`Order ${o.id} (${o.currency})  captured ${m(o.captured)}  PSP fees ${m(o.psp_fees)}  refunded ${m(o.refunded)}`);
    out.push(
      ...table(
        ['line', 'status', 'fulfiller', 'owner', 'seller', 'gross', 'vat', 'net', 'fee', 'returned', 'refunded'],
        o.lines.map((l) => [l.id, l.status, l.fulfiller, l.roles.owner, l.roles.seller ?? '-', m(l.gross), m(l.vat), m(l.net), m(l.fee_share), String(l.returned), m(l.refunded)]),
        ['l', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
      ).map((s) => `  ${s}`),
    );
    const legRows = o.lines.flatMap((l) =>
      l.legs.map((g) => [l.id, g.rule, g.to_role, g.from ?? '-', g.to ?? '-', m(g.base), g.rate, m(g.amount), m(g.vat), g.void ?? '']),
    );
    if (legRows.length > 0) {
      out.push('');
      out.push(...table(['line', 'rule', 'to_role', 'from', 'to', 'base', 'rate', 'amount', 'vat', 'void'], legRows, ['l', 'l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'l']).map((s) => `  ${s}`));
    }
    out.push('');
    out.push(
      ...table(
        ['entity', 'payout', 'held', 'released'],
        Object.keys(o.payouts).map((e) => [e, m(o.payouts[e]), m(o.escrow[e]?.held ?? 0), m(o.escrow[e]?.released ?? 0)]),
        ['l', 'r', 'r', 'r'],
      ).map((s) => `  ${s}`),
    );
    for (const w of o.warnings) out.push(`  warning [${w.code}]${w.line ? ` line ${w.line}` : ''}${w.entity ? ` ${w.entity}` : ''}: ${w.message}`);
  }
  for (const [currency, t] of Object.entries(report.totals)) {
    const m = (n: number) => formatMinor(n, currency);
    out.push('');
    out.push(`Totals ${currency}  captured ${m(t.captured)}  PSP fees ${m(t.psp_fees)}  refunded ${m(t.refunded)}`);
    out.push(...table(['entity', 'payout'], Object.entries(t.payouts).map(([e, v]) => [e, m(v)]), ['l', 'r']).map((s) => `  ${s}`));
  }
  return `${out.join('\n')}\n`;
}
