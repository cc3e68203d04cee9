// A month's sums are kept until its periodic invoice and credit note are issued (issue 14,
// docs/decisions/0010-books-at-network-scale.md): from then on the documents' lines carry them
// (one line per rule group and rate, the same base, net, VAT and leg count), and the sums of
// issued months were rows nothing read again. A run that issues a million lines' invoices from
// the sums it holds no longer writes them (549,402 rows, some 2.5 s at a million lines), and
// issuing stored sums deletes them instead of marking them.
// - up() deletes the sums marked issued. The `issued` column stays, always 0 from now on: the
//   pending-sums index reads it (`WHERE issued = 0`), and the code before this migration reads
//   and writes it.
// - down() writes the sums of the issued documents back from their lines, marked issued, as the
//   code before kept them (a credit note's lines are positive, its sums negative). A sum of
//   nothing (net and VAT zero) has no line, so it does not come back: nothing read it.
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0017_month_sums_until_issued',
  up(db) {
    db.exec('DELETE FROM invoice_totals WHERE issued = 1');
  },
  down(db) {
    db.exec(`INSERT INTO invoice_totals (supplier, customer, currency, month, kind, group_name, rate, base, net, vat, items, issued)
      SELECT i.supplier, i.customer, i.currency, i.period, i.kind, l.group_name, l.rate,
        CASE i.kind WHEN 'invoice' THEN l.base ELSE -l.base END, CASE i.kind WHEN 'invoice' THEN l.net ELSE -l.net END,
        CASE i.kind WHEN 'invoice' THEN l.vat ELSE -l.vat END, l.items, 1
      FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id WHERE i.period IS NOT NULL
      ORDER BY i.supplier, i.customer, i.currency, i.period, i.kind, l.group_name, l.rate`);
  },
};
