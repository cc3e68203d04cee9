// A store's payout statement: the transfers it received (and reversals taken back) over a
// period, with the orders each one pays, as a printable HTML document (printing it to PDF is the
// browser's job: no PDF library) and as CSV for a spreadsheet. French or English, as the reader
// chose in the app. Pure: rows in, text out.
import { csvText } from './csv.js';
import { escapeHtml, frAmount, page } from './invoice-doc.js';
import { formatMinor, type Minor } from './money.js';

export interface PayoutStatementOrder { order: string; amount: Minor }

export interface PayoutStatementRow {
  date: string;
  transfer: string;
  run: string;
  kind: 'transfer' | 'withdrawal' | 'reversal';
  /** queued, sent, paid, failed, reversed, cancelled */
  status: string;
  currency: string;
  /** Signed: received > 0, taken back < 0. */
  amount: Minor;
  orders: readonly PayoutStatementOrder[];
}

export interface PayoutStatement {
  entity: { id: string; name: string; siren: string };
  from: string | null;
  to: string | null;
  rows: readonly PayoutStatementRow[];
  lang: 'fr' | 'en';
}

const WORDS = {
  fr: {
    title: 'Relevé des versements', entity: 'entité', period: 'Période', from: 'du', to: 'au', all: 'tout l\'historique',
    date: 'Date', transfer: 'Virement', run: 'Lot', kind: 'Nature', status: 'État', orders: 'Commandes payées', amount: 'Montant',
    total: 'Total', none: 'Aucun versement sur la période.',
    kinds: { transfer: 'Versement', withdrawal: 'Retrait', reversal: 'Reprise' },
    statuses: { queued: 'En file', sent: 'Envoyé', paid: 'Payé', failed: 'En échec', reversed: 'Repris', cancelled: 'Annulé' },
    legal: 'Montants signés du point de vue de l\'entité : versements reçus positifs, reprises (retours après versement) négatives. Pour un PDF, imprimez ce relevé depuis le navigateur.',
  },
  en: {
    title: 'Payout statement', entity: 'entity', period: 'Period', from: 'from', to: 'to', all: 'full history',
    date: 'Date', transfer: 'Transfer', run: 'Run', kind: 'Kind', status: 'Status', orders: 'Orders paid', amount: 'Amount',
    total: 'Total', none: 'No payout in the period.',
    kinds: { transfer: 'Payout', withdrawal: 'Withdrawal', reversal: 'Taken back' },
    statuses: { queued: 'Queued', sent: 'Sent', paid: 'Paid', failed: 'Failed', reversed: 'Reversed', cancelled: 'Cancelled' },
    legal: 'Amounts signed for the entity: payouts received positive, amounts taken back (returns after payout) negative. For a PDF, print this statement from the browser.',
  },
} as const;

const enAmount = (amount: Minor, currency: string) => {
  const [int, frac] = formatMinor(amount, currency).split('.') as [string, string | undefined];
  return `${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${frac !== undefined ? `.${frac}` : ''}\u00a0${currency}`;
};
const day = (iso: string, lang: 'fr' | 'en') => (lang === 'fr' ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : iso.slice(0, 10));

/** Totals per currency: received, taken back, net. */
export function payoutTotals(rows: readonly PayoutStatementRow[]): { currency: string; received: Minor; taken_back: Minor; net: Minor }[] {
  const m = new Map<string, { currency: string; received: Minor; taken_back: Minor; net: Minor }>();
  for (const r of rows) {
    if (r.status === 'cancelled') continue;
    let t = m.get(r.currency);
    if (!t) m.set(r.currency, (t = { currency: r.currency, received: 0, taken_back: 0, net: 0 }));
    if (r.amount >= 0) t.received += r.amount;
    else t.taken_back += -r.amount;
    t.net += r.amount;
  }
  return [...m.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

export function renderPayoutStatementHtml(s: PayoutStatement): string {
  const w = WORDS[s.lang];
  const e = escapeHtml;
  const money = s.lang === 'fr' ? frAmount : enAmount;
  const period = s.from || s.to
    ? `${w.period} ${s.from ? `${w.from} ${day(s.from, s.lang)}` : ''} ${s.to ? `${w.to} ${day(s.to, s.lang)}` : ''}`.replace(/ +/g, ' ').trim()
    : `${w.period} : ${w.all}`;
  const rows = s.rows.map((r) => `<tr><td>${day(r.date, s.lang)}</td><td>${e(r.transfer)}<br><span class="meta">${w.run} ${e(r.run)}</span></td><td>${w.kinds[r.kind]}</td><td>${e(w.statuses[r.status as keyof typeof w.statuses] ?? r.status)}</td><td>${r.orders.map((o) => `${e(o.order)} <span class="meta">${money(o.amount, r.currency)}</span>`).join('<br>')}</td><td class="n">${money(r.amount, r.currency)}</td></tr>`).join('\n');
  const totals = payoutTotals(s.rows).map((t) => `<tr><td colspan="5">${w.total} ${e(t.currency)}</td><td class="n">${money(t.net, t.currency)}</td></tr>`).join('\n');
  const body = `
<h1>${w.title}</h1>
<p class="meta">${e(s.entity.name)} (SIREN ${e(s.entity.siren)}, ${w.entity} ${e(s.entity.id)}) · ${e(period)} · ${s.rows.length}</p>
<table>
<thead><tr><th>${w.date}</th><th>${w.transfer}</th><th>${w.kind}</th><th>${w.status}</th><th>${w.orders}</th><th class="n">${w.amount}</th></tr></thead>
<tbody>
${rows || `<tr><td colspan="6">${w.none}</td></tr>`}
</tbody>
<tfoot>
${totals}
</tfoot>
</table>
<p class="legal">${w.legal}</p>`;
  return page(`${w.title} ${s.entity.id}`, body).replace('<html lang="fr">', `<html lang="${s.lang}">`);
}

/**
 * One CSV row per order paid (a transfer paying three orders gives three rows, each with the
 * transfer's reference), amounts as plain decimals in major units; `;` and decimal commas in
 * French, for French spreadsheets.
 */
export function renderPayoutStatementCsv(s: PayoutStatement): string {
  const fr = s.lang === 'fr';
  const dec = (amount: Minor, currency: string) => (fr ? formatMinor(amount, currency).replace('.', ',') : formatMinor(amount, currency));
  const header = ['date', 'transfer', 'run', 'kind', 'status', 'currency', 'transfer_amount', 'order', 'order_amount'];
  const lines: (string | number)[][] = [header];
  for (const r of s.rows) {
    const orders = r.orders.length > 0 ? r.orders : [{ order: '', amount: 0 }];
    for (const o of orders) lines.push([r.date.slice(0, 10), r.transfer, r.run, r.kind, r.status, r.currency, dec(r.amount, r.currency), o.order, o.order ? dec(o.amount, r.currency) : '']);
  }
  return csvText(lines, { separator: fr ? ';' : ',', bom: true });
}
