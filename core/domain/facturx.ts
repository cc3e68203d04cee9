// Electronic invoices (docs/accounting.md, docs/decisions/0010-books-at-network-scale.md): each
// invoice or credit note between entities as Factur-X, profile EN 16931: the CII XML embedded in
// a PDF/A-3, with the annex (the orders behind each amount, CSV) attached. @e-invoice-eu/core
// writes the XML and the PDF/A-3 from the invoice in its internal (UBL-shaped) form, which
// `facturxInvoice` builds; Ventil draws the printable page (text-pdf.ts).
import { InvoiceService, type Invoice } from '@e-invoice-eu/core';
import { logger } from '../log/logger.js';
import { lastDayOfMonth } from './books-calendar.js';
import { frAmount, frDate, type DocParty, type InvoiceDoc } from './invoice-doc.js';
import { Dec, formatMinor, type Minor } from './money.js';
import { frMonth } from './periodic-invoices.js';
import { textPdf } from './text-pdf.js';

/** UNTDID 1001 document types: invoice, credit note, and their self-billed forms (the platform issues them under mandate). */
export function typeCode(kind: InvoiceDoc['kind'], selfBilled: boolean): '380' | '381' | '389' | '261' {
  if (kind === 'invoice') return selfBilled ? '389' : '380';
  return selfBilled ? '261' : '381';
}

/**
 * The intra-community VAT number of a French company from its SIREN (FR + key + SIREN, key =
 * (12 + 3 × (SIREN mod 97)) mod 97), used when the entity's form leaves it empty: EN 16931
 * requires the seller's VAT identifier on a standard-rated invoice (BR-S-02).
 */
export function frVatNumber(siren: string): string {
  const key = (12 + 3 * (Number(siren) % 97)) % 97;
  return `FR${String(key).padStart(2, '0')}${siren}`;
}

function party(p: DocParty) {
  return {
    'cac:PostalAddress': { 'cac:Country': { 'cbc:IdentificationCode': 'FR' as const } },
    'cac:PartyLegalEntity': { 'cbc:RegistrationName': p.name, 'cbc:CompanyID': p.siren, 'cbc:CompanyID@schemeID': '0002' as const },
    vat: { 'cbc:CompanyID': p.vat_number ?? frVatNumber(p.siren), 'cac:TaxScheme': { 'cbc:ID': 'VAT' } },
  };
}

/** The invoice in @e-invoice-eu/core's internal form (EN 16931 business terms, UBL names). */
export function facturxInvoice(d: InvoiceDoc, annexName?: string): Invoice {
  const cur = d.currency as Invoice['ubl:Invoice']['cbc:DocumentCurrencyCode'];
  const amount = (n: Minor) => formatMinor(n, d.currency);
  const percent = new Dec(d.vatRate).times(100).toFixed();
  const category = { 'cbc:ID': 'S', 'cbc:Percent': percent, 'cac:TaxScheme': { 'cbc:ID': 'VAT' } };
  const seller = party(d.supplier);
  const buyer = party(d.customer);
  // A periodic invoice covers its month (delivered over it); a per-order invoice, its event's day.
  const delivered = d.period ? lastDayOfMonth(d.period) : d.serviceDate;
  const credited = d.credits ? d.credits.split(',').map((n) => n.trim()) : [];
  const notes = [
    ...(credited.length ? [`Avoir sur ${credited.length > 1 ? 'les factures' : 'la facture'} n° ${credited.join(', ')}.`] : []),
    ...(d.selfBilled ? [`Autofacturation : émise par ${d.issuer.name} (SIREN ${d.issuer.siren}) au nom et pour le compte de ${d.supplier.name} (article 289, I-2 du CGI).`] : []),
    'Règlement par compensation sur le compte courant tenu par la plateforme du réseau.',
    ...(annexName ? [`Détail des mouvements en annexe : ${annexName}.`] : []),
  ];
  return {
    'ubl:Invoice': {
      'cbc:CustomizationID': 'urn:cen.eu:en16931:2017',
      'cbc:ID': d.number,
      'cbc:IssueDate': d.issueDate,
      'cbc:InvoiceTypeCode': typeCode(d.kind, d.selfBilled),
      // One note: the library writes several as several Content of one IncludedNote, which the XSD refuses.
      'cbc:Note': [notes.join('\n')],
      'cbc:DocumentCurrencyCode': cur,
      ...(d.period ? { 'cac:InvoicePeriod': { 'cbc:StartDate': `${d.period}-01`, 'cbc:EndDate': lastDayOfMonth(d.period) } } : {}),
      // BT-25: CII D16B holds one preceding invoice (the others are named in the note, as all are:
      // @e-invoice-eu/core 2.3.4 leaves BT-25 out of the CII, its issue #455).
      ...(credited.length ? { 'cac:BillingReference': [{ 'cac:InvoiceDocumentReference': { 'cbc:ID': credited[0]! } }] } : {}),
      'cac:AccountingSupplierParty': { 'cac:Party': { 'cac:PostalAddress': seller['cac:PostalAddress'], 'cac:PartyTaxScheme': [seller.vat], 'cac:PartyLegalEntity': seller['cac:PartyLegalEntity'] } },
      'cac:AccountingCustomerParty': { 'cac:Party': { 'cac:PostalAddress': buyer['cac:PostalAddress'], 'cac:PartyTaxScheme': buyer.vat, 'cac:PartyLegalEntity': buyer['cac:PartyLegalEntity'] } },
      'cac:Delivery': { 'cbc:ActualDeliveryDate': delivered },
      // 97: clearing between partners (the platform's current accounts).
      'cac:PaymentMeans': [{ 'cbc:PaymentMeansCode': '97' }],
      'cac:TaxTotal': [{
        'cbc:TaxAmount': amount(d.vat), 'cbc:TaxAmount@currencyID': cur,
        'cac:TaxSubtotal': [{
          'cbc:TaxableAmount': amount(d.net), 'cbc:TaxableAmount@currencyID': cur, 'cbc:TaxAmount': amount(d.vat), 'cbc:TaxAmount@currencyID': cur,
          'cac:TaxCategory': category,
        }],
      }],
      'cac:LegalMonetaryTotal': {
        'cbc:LineExtensionAmount': amount(d.net), 'cbc:LineExtensionAmount@currencyID': cur,
        'cbc:TaxExclusiveAmount': amount(d.net), 'cbc:TaxExclusiveAmount@currencyID': cur,
        'cbc:TaxInclusiveAmount': amount(d.total), 'cbc:TaxInclusiveAmount@currencyID': cur,
        'cbc:PayableAmount': amount(d.total), 'cbc:PayableAmount@currencyID': cur,
      },
      'cac:InvoiceLine': d.lines.map((l, i) => ({
        'cbc:ID': String(i + 1),
        'cbc:InvoicedQuantity': '1', 'cbc:InvoicedQuantity@unitCode': 'C62',
        'cbc:LineExtensionAmount': amount(l.net), 'cbc:LineExtensionAmount@currencyID': cur,
        'cac:Item': { 'cbc:Name': l.description, 'cac:ClassifiedTaxCategory': category },
        'cac:Price': { 'cbc:PriceAmount': amount(l.net), 'cbc:PriceAmount@currencyID': cur },
      })) as Invoice['ubl:Invoice']['cac:InvoiceLine'],
    },
  } as Invoice;
}

/** The printable page: what the HTML document says, as lines of text. */
export function invoiceTextLines(d: InvoiceDoc, annexName?: string): string[] {
  const amt = (n: Minor) => frAmount(n, d.currency).replace(/\u202f/g, ' ');
  const title = d.kind === 'invoice' ? 'Facture' : 'Avoir';
  return [
    `${title} n° ${d.number}${d.selfBilled ? ' — Autofacturation' : ''}`,
    `Date d'émission : ${frDate(d.issueDate)}`,
    d.period ? `Période de prestation : ${frMonth(d.period)}` : `Date de la prestation : ${frDate(d.serviceDate)} · Commande ${d.order ?? ''}, ligne ${d.line ?? ''}`,
    ...(d.credits ? [`Avoir sur ${d.credits.includes(',') ? 'les factures' : 'la facture'} n° ${d.credits}`] : []),
    '',
    `Fournisseur : ${d.supplier.name} — SIREN ${d.supplier.siren} — TVA ${d.supplier.vat_number ?? frVatNumber(d.supplier.siren)}`,
    `Client : ${d.customer.name} — SIREN ${d.customer.siren} — TVA ${d.customer.vat_number ?? frVatNumber(d.customer.siren)}`,
    ...(d.selfBilled ? [`Émise par ${d.issuer.name} (SIREN ${d.issuer.siren}) au nom et pour le compte de ${d.supplier.name} (article 289, I-2 du CGI).`] : []),
    '',
    ...d.lines.map((l) => `${l.description} : base ${amt(l.base)}, HT ${amt(l.net)}, TVA ${amt(l.vat)}`),
    '',
    `Total HT : ${amt(d.net)}`,
    `TVA ${new Dec(d.vatRate).times(100).toFixed().replace('.', ',')} % : ${amt(d.vat)}`,
    `Total TTC ${d.kind === 'credit_note' ? 'à déduire' : 'dû'} : ${amt(d.total)}`,
    '',
    'Règlement par compensation sur le compte courant tenu par la plateforme du réseau.',
    ...(annexName ? [`Détail des mouvements : pièce jointe ${annexName}.`] : []),
  ];
}

const log = logger('facturx');
const service = () => new InvoiceService({ log: (m) => log.debug(m), warn: (m) => log.warn(m), error: (m) => log.error(m) });

/**
 * The Factur-X file (PDF/A-3 with factur-x.xml, EN 16931 profile) of an invoice, the annex
 * attached. The library also checks the invoice against its schema and throws on a mistake.
 */
export async function renderFacturX(d: InvoiceDoc, annex?: { name: string; csv: string }): Promise<Uint8Array> {
  const pdf = textPdf(invoiceTextLines(d, annex?.name), `${d.kind === 'invoice' ? 'Facture' : 'Avoir'} ${d.number}`);
  const out = await service().generate(facturxInvoice(d, annex?.name), {
    format: 'Factur-X-EN16931', lang: 'fr-fr', noWarnings: true,
    pdf: { buffer: pdf, filename: `${d.number}.pdf`, mimetype: 'application/pdf' },
    attachments: annex ? [{ buffer: new TextEncoder().encode(annex.csv), filename: annex.name, mimetype: 'text/csv', description: 'Annexe : les commandes derrière chaque montant' }] : [],
  });
  return typeof out === 'string' ? new TextEncoder().encode(out) : out;
}
