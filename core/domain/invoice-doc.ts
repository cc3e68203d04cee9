// Printable documents of the legs between entities: one invoice or credit note, and an entity's
// statement for a period. Self-contained HTML (inline style, no external resource, no script),
// printable from the app or a browser. French, like the documents they stand for.
import { Dec, formatMinor, type Minor } from './money.js';
import { frMonth } from './periodic-invoices.js';

export interface DocParty { id: string; name: string; siren: string; vat_number: string | null }

/** One line: a rule group at one rate (a periodic invoice), or one leg (a per-order invoice, with its rule). */
export interface InvoiceDocLine { description: string; group: string; rule: string | null; base: Minor; rate: string; net: Minor; vat: Minor; items: number }

export interface InvoiceDoc {
  number: string;
  kind: 'invoice' | 'credit_note';
  issueDate: string;
  /** When the service was rendered: the month a periodic invoice covers, or the event a per-order invoice follows. */
  serviceDate: string;
  /** The month (YYYY-MM) of a periodic invoice; null for a per-order invoice. */
  period: string | null;
  supplier: DocParty;
  customer: DocParty;
  /** Who drew it up: the supplier, or the platform on its behalf (self-billing). */
  issuer: DocParty;
  selfBilled: boolean;
  currency: string;
  vatRate: string;
  net: Minor;
  vat: Minor;
  total: Minor;
  /** A per-order invoice's order and line. */
  order: string | null;
  line: string | null;
  credits: string | null;
  lines: InvoiceDocLine[];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** 1234.5 EUR → "1 234,50 EUR" (narrow no-break space between thousands). */
export function frAmount(amount: Minor, currency: string): string {
  const [int, frac] = formatMinor(amount, currency).split('.') as [string, string | undefined];
  const sign = int.startsWith('-') ? '-' : '';
  const digits = sign ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
  return `${sign}${grouped}${frac !== undefined ? `,${frac}` : ''}\u00a0${currency}`;
}

/** "2026-03-31" → "31/03/2026" */
export const frDate = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

const pct = (rate: string) => `${new Dec(rate).times(100).toFixed().replace('.', ',')}\u00a0%`;

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1c2430; margin: 32px; }
  h1 { font-size: 22px; margin: 0 0 4px; }
  .tag { display: inline-block; border: 1px solid #1c2430; padding: 2px 8px; font-weight: 600; letter-spacing: .04em; margin: 6px 0; }
  .parties { display: flex; gap: 32px; margin: 20px 0; }
  .party { flex: 1; border: 1px solid #d4d9e1; border-radius: 6px; padding: 12px 14px; }
  .party h2 { font-size: 12px; text-transform: uppercase; color: #5b6675; margin: 0 0 6px; }
  table { width: 100%; border-collapse: collapse; margin: 12px 0; }
  th, td { border-bottom: 1px solid #e3e7ec; padding: 6px 8px; text-align: left; vertical-align: top; }
  th { font-size: 12px; color: #5b6675; text-transform: uppercase; }
  td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
  tfoot td { font-weight: 600; border-bottom: none; }
  .meta { color: #5b6675; }
  .legal { margin-top: 24px; font-size: 12px; color: #5b6675; }
  @media print { body { margin: 12mm; } }
`;

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function party(title: string, p: DocParty): string {
  return `<div class="party"><h2>${escapeHtml(title)}</h2><strong>${escapeHtml(p.name)}</strong><br>SIREN ${escapeHtml(p.siren)}${p.vat_number ? `<br>TVA intracommunautaire ${escapeHtml(p.vat_number)}` : ''}<br><span class="meta">Entité ${escapeHtml(p.id)}</span></div>`;
}

/** The printable invoice or credit note. */
export function renderInvoiceHtml(d: InvoiceDoc): string {
  const e = escapeHtml;
  const title = d.kind === 'invoice' ? 'Facture' : 'Avoir';
  const rows = d.lines.map((l) => `<tr><td>${e(l.description)}${l.rule ? `<br><span class="meta">Règle ${e(l.rule)}</span>` : ''}</td><td class="n">${frAmount(l.base, d.currency)}</td><td class="n">${pct(l.rate)}</td><td class="n">${frAmount(l.net, d.currency)}</td><td class="n">${frAmount(l.vat, d.currency)}</td></tr>`).join('\n');
  const items = d.lines.reduce((n, l) => n + l.items, 0);
  const what = d.period
    ? `Période de prestation : ${frMonth(d.period)} · ${items} mouvement${items > 1 ? 's' : ''} détaillé${items > 1 ? 's' : ''} en annexe (commande, ligne, règle, base, montant)`
    : `Date de la prestation : ${frDate(d.serviceDate)} · Commande ${e(d.order ?? '')}, ligne ${e(d.line ?? '')}`;
  const body = `
<h1>${title} n° ${e(d.number)}</h1>
${d.selfBilled ? '<div class="tag">Autofacturation</div>' : ''}
<p class="meta">Date d'émission : ${frDate(d.issueDate)} · ${what}${d.credits ? ` · Avoir sur ${d.credits.includes(',') ? 'les factures' : 'la facture'} n° ${e(d.credits)}` : ''}</p>
<div class="parties">
${party('Fournisseur', d.supplier)}
${party('Client', d.customer)}
</div>
${d.selfBilled ? `<p>Facture émise par ${e(d.issuer.name)} (SIREN ${e(d.issuer.siren)}) au nom et pour le compte de ${e(d.supplier.name)}, en vertu du mandat de facturation prévu au contrat de réseau (article 289, I-2 du CGI).</p>` : ''}
<table>
<thead><tr><th>Désignation</th><th class="n">Base HT</th><th class="n">Taux</th><th class="n">Montant HT</th><th class="n">TVA</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><td colspan="3">Total HT</td><td class="n">${frAmount(d.net, d.currency)}</td><td></td></tr>
<tr><td colspan="3">TVA ${pct(d.vatRate)}</td><td></td><td class="n">${frAmount(d.vat, d.currency)}</td></tr>
<tr><td colspan="3">Total TTC ${d.kind === 'credit_note' ? 'à déduire' : 'dû'}</td><td class="n" colspan="2">${frAmount(d.total, d.currency)}</td></tr>
</tfoot>
</table>
<div class="legal">
<p>Règlement par compensation sur le compte courant tenu par la plateforme du réseau, lors de la distribution des fonds séquestrés (pas d'escompte pour paiement anticipé).</p>
<p>En cas de retard de paiement : pénalités au taux d'intérêt de la BCE majoré de 10 points et indemnité forfaitaire pour frais de recouvrement de 40 € (articles L441-10 et D441-5 du Code de commerce).</p>
</div>`;
  return page(`${title} ${d.number}`, body);
}

// ---------------------------------------------------------------------------------------------
// Statement of an entity

export interface StatementRow {
  date: string;
  number: string;
  kind: 'invoice' | 'credit_note';
  /** Earned (the entity is the supplier) or paid (the customer). */
  direction: 'earned' | 'paid';
  counterparty: string;
  selfBilled: boolean;
  /** The month a periodic invoice covers, or a per-order invoice's order and line. */
  period: string | null;
  order: string | null;
  line: string | null;
  group: string;
  rule: string | null;
  description: string;
  base: Minor;
  rate: string;
  /** Signed for the entity: earned positive, paid negative; credit notes the other way. */
  net: Minor;
  vat: Minor;
  total: Minor;
  currency: string;
}

export interface Statement {
  entity: DocParty;
  period: { name: string; start: string; end: string };
  rows: StatementRow[];
  totals: Record<string, { earned: Minor; paid: Minor; net: Minor; vat: Minor; total: Minor }>;
}

export function statementTotals(rows: readonly StatementRow[]): Statement['totals'] {
  const out: Statement['totals'] = {};
  for (const r of rows) {
    const t = (out[r.currency] ??= { earned: 0, paid: 0, net: 0, vat: 0, total: 0 });
    if (r.direction === 'earned') t.earned += r.total;
    else t.paid -= r.total;
    t.net += r.net;
    t.vat += r.vat;
    t.total += r.total;
  }
  return out;
}

export function renderStatementHtml(s: Statement): string {
  const e = escapeHtml;
  const rows = s.rows.map((r) => `<tr><td>${frDate(r.date)}</td><td>${e(r.number)}${r.selfBilled ? ' <span class="meta">(autofacturation)</span>' : ''}</td><td>${r.direction === 'earned' ? 'Produit' : 'Charge'}${r.kind === 'credit_note' ? ' (avoir)' : ''}</td><td>${e(r.counterparty)}</td><td>${r.period ? e(r.period) : `${e(r.order ?? '')}/${e(r.line ?? '')}`}</td><td>${e(r.rule ?? r.description)}</td><td class="n">${frAmount(r.base, r.currency)}</td><td class="n">${pct(r.rate)}</td><td class="n">${frAmount(r.net, r.currency)}</td><td class="n">${frAmount(r.vat, r.currency)}</td><td class="n">${frAmount(r.total, r.currency)}</td></tr>`).join('\n');
  const totals = Object.entries(s.totals).map(([cur, t]) => `<tr><td colspan="8">Total ${e(cur)} — produits ${frAmount(t.earned, cur)}, charges ${frAmount(t.paid, cur)}</td><td class="n">${frAmount(t.net, cur)}</td><td class="n">${frAmount(t.vat, cur)}</td><td class="n">${frAmount(t.total, cur)}</td></tr>`).join('\n');
  const body = `
<h1>Relevé des commissions et redevances</h1>
<p class="meta">${e(s.entity.name)} (SIREN ${e(s.entity.siren)}, entité ${e(s.entity.id)}) · Période ${e(s.period.name)} du ${frDate(s.period.start)} au ${frDate(s.period.end)} · ${s.rows.length} ligne(s)</p>
<table>
<thead><tr><th>Date</th><th>Pièce</th><th>Nature</th><th>Contrepartie</th><th>Période ou commande/ligne</th><th>Règle ou désignation</th><th class="n">Base</th><th class="n">Taux</th><th class="n">HT</th><th class="n">TVA</th><th class="n">TTC</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="11">Aucune facture sur la période.</td></tr>'}
</tbody>
<tfoot>
${totals}
</tfoot>
</table>
<p class="legal">Montants signés du point de vue de l'entité : produits (commissions et redevances perçues) positifs, charges négatives ; un avoir inverse le signe de la facture qu'il corrige.</p>`;
  return page(`Relevé ${s.entity.id} ${s.period.name}`, body);
}
