// Books kept the way accountants keep them (docs/accounting.md, docs/decisions/0010-*.md):
// - Periodic invoices: one invoice (and one credit note) per supplier, customer, currency and
//   month, with one line per rule group and rate. `invoices` and `invoice_lines` are rebuilt so
//   a periodic invoice needs no order, line or group; the per-order invoices issued before keep
//   their number, lines and amounts, and their legs become the first rows of `invoice_items`
//   (what is invoiced per leg), so a later return credits them. They count as sent.
//   `invoice_totals` sums the legs of each month to invoice; `invoice_credit_refs` names the
//   invoices a credit note corrects; `invoice_deliveries` records sending.
// - Posting granularity per entity (`detail` or `daily`), with its history: a change applies
//   from a month on. Daily books keep each order's movements in `subledger` and sum them per
//   entity, journal, day and account set in `daily_batches` until the day is over.
// - `posting_issues.event_at`: closing a period refuses one with an event still unposted.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

/** PostgreSQL: the rebuilt table's identity continues after the ids copied into it (SQLite's rowid does by itself). */
const CONTINUE_INVOICE_IDS = "SELECT setval(pg_get_serial_sequence('invoices', 'id'), coalesce(max(id), 0) + 1, false) FROM invoices;";

export const migration: Migration = {
  name: '0011_periodic_invoices_daily_posting',
  up(db) {
    // The new invoice lines refer to the new invoices table, whose rename carries the reference.
    schema(db, `
      ALTER TABLE entities ADD COLUMN posting TEXT NOT NULL DEFAULT 'detail' CHECK (posting IN ('detail', 'daily'));
      CREATE TABLE posting_granularity (
        entity TEXT NOT NULL REFERENCES entities(id),
        from_month TEXT NOT NULL,        -- YYYY-MM from which it applies; '0000-00' from the start
        granularity TEXT NOT NULL CHECK (granularity IN ('detail', 'daily')),
        set_at TEXT NOT NULL,
        PRIMARY KEY (entity, from_month)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO posting_granularity (entity, from_month, granularity, set_at) SELECT id, '0000-00', 'detail', '' FROM entities;

      ALTER TABLE posting_issues ADD COLUMN event_at TEXT;

      CREATE TABLE invoices_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        number TEXT NOT NULL UNIQUE,
        series TEXT NOT NULL,            -- FAC-LYON-2026, AV-LYON-2026 (per-order invoices: COM-LYON-2026...)
        seq INTEGER NOT NULL CHECK (seq > 0),
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        supplier TEXT NOT NULL REFERENCES entities(id),
        customer TEXT NOT NULL REFERENCES entities(id),
        issued_by TEXT NOT NULL REFERENCES entities(id),
        self_billed INTEGER NOT NULL CHECK (self_billed IN (0, 1)),
        issue_date TEXT NOT NULL,
        fiscal_year TEXT NOT NULL,
        period TEXT,                     -- YYYY-MM a periodic invoice covers; NULL for a per-order invoice
        group_name TEXT,                 -- per-order invoices: their rule group
        currency TEXT NOT NULL,
        net INTEGER NOT NULL CHECK (net >= 0),
        vat INTEGER NOT NULL CHECK (vat >= 0),
        total INTEGER NOT NULL CHECK (total >= 0),
        vat_rate TEXT NOT NULL,
        order_id TEXT,                   -- per-order invoices only
        line_id TEXT,
        source_key TEXT NOT NULL,
        credits TEXT,                    -- credit note: the invoice numbers it corrects, comma separated
        created_at TEXT NOT NULL,
        UNIQUE (series, seq)
      ) STRICT;
      INSERT INTO invoices_new (id, number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, period, group_name,
          currency, net, vat, total, vat_rate, order_id, line_id, source_key, credits, created_at)
        SELECT id, number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, NULL, group_name,
          currency, net, vat, total, vat_rate, order_id, line_id, source_key, credits, created_at FROM invoices ORDER BY id;

      CREATE TABLE invoice_lines_new (
        invoice_id INTEGER NOT NULL REFERENCES invoices_new(id),
        seq INTEGER NOT NULL,
        group_name TEXT NOT NULL,
        rate TEXT NOT NULL,
        description TEXT NOT NULL,
        base INTEGER NOT NULL,
        net INTEGER NOT NULL,            -- positive on invoices and on credit notes
        vat INTEGER NOT NULL,
        items INTEGER NOT NULL,          -- legs the line sums (the annex lists them)
        fact TEXT,                       -- per-order invoices: the leg (leg:N), its rule and role
        rule_ref TEXT,
        to_role TEXT,
        PRIMARY KEY (invoice_id, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO invoice_lines_new (invoice_id, seq, group_name, rate, description, base, net, vat, items, fact, rule_ref, to_role)
        SELECT l.invoice_id, l.seq, i.group_name, l.rate, l.description, l.base, l.net, l.vat, 1, l.fact, l.rule_ref, l.to_role
        FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id ORDER BY l.invoice_id, l.seq;

      -- What each order's legs have put on invoices so far (signed: credit notes negative), one row
      -- per order and posting run. The per-order invoices' legs come first, with their numbers.
      CREATE TABLE invoice_items (
        order_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        items_json TEXT NOT NULL,        -- [[event, fact, group, rule, to_role, supplier, customer, currency, month, base, rate, net, vat, at, line, description, invoice], ...]
        created_at TEXT NOT NULL,
        PRIMARY KEY (order_id, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO invoice_items (order_id, seq, items_json, created_at)
        SELECT i.order_id, 0, json_group_array(json_array(i.source_key, l.fact, i.group_name, l.rule_ref, l.to_role, i.supplier, i.customer, i.currency,
            substr(i.issue_date, 1, 7), CASE i.kind WHEN 'invoice' THEN l.base ELSE -l.base END, l.rate, CASE i.kind WHEN 'invoice' THEN l.net ELSE -l.net END, CASE i.kind WHEN 'invoice' THEN l.vat ELSE -l.vat END,
            i.issue_date, i.line_id, l.description, i.number)), max(i.created_at)
        FROM (SELECT * FROM invoices ORDER BY id) i JOIN invoice_lines l ON l.invoice_id = i.id GROUP BY i.order_id ORDER BY i.order_id;

      DROP TABLE invoice_lines;
      DROP TABLE invoices;
      ALTER TABLE invoices_new RENAME TO invoices;
      ALTER TABLE invoice_lines_new RENAME TO invoice_lines;
      CREATE UNIQUE INDEX invoices_periodic ON invoices(supplier, customer, currency, period, kind) WHERE period IS NOT NULL;
      CREATE INDEX invoices_order ON invoices(order_id, line_id, source_key) WHERE order_id IS NOT NULL;
      CREATE INDEX invoices_supplier ON invoices(supplier, issue_date);
      CREATE INDEX invoices_customer ON invoices(customer, issue_date);
      CREATE TRIGGER invoices_immutable_update BEFORE UPDATE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoices_immutable_delete BEFORE DELETE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_update BEFORE UPDATE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_delete BEFORE DELETE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_items_append_only BEFORE UPDATE ON invoice_items
        BEGIN SELECT RAISE(ABORT, 'invoice items are append-only'); END;
      CREATE INDEX journal_entries_invoice ON journal_entries(invoice_id) WHERE invoice_id IS NOT NULL;

      -- The legs of a month to invoice, summed per supplier, customer, currency, kind, rule group
      -- and rate (signed like the items); issued = 1 once the month's invoice is.
      CREATE TABLE invoice_totals (
        supplier TEXT NOT NULL,
        customer TEXT NOT NULL,
        currency TEXT NOT NULL,
        month TEXT NOT NULL,             -- YYYY-MM, in the supplier's time zone
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        group_name TEXT NOT NULL,
        rate TEXT NOT NULL,
        base INTEGER NOT NULL,
        net INTEGER NOT NULL,
        vat INTEGER NOT NULL,
        items INTEGER NOT NULL,
        issued INTEGER NOT NULL DEFAULT 0 CHECK (issued IN (0, 1)),
        PRIMARY KEY (supplier, customer, currency, month, kind, group_name, rate)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX invoice_totals_pending ON invoice_totals(month) WHERE issued = 0;
      CREATE TABLE invoice_credit_refs (
        supplier TEXT NOT NULL,
        customer TEXT NOT NULL,
        currency TEXT NOT NULL,
        month TEXT NOT NULL,
        credits TEXT NOT NULL,           -- an invoice number the month's credit note corrects
        PRIMARY KEY (supplier, customer, currency, month, credits)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE invoice_deliveries (
        invoice_id INTEGER PRIMARY KEY REFERENCES invoices(id),
        sent_at TEXT NOT NULL,
        sent_by TEXT NOT NULL,
        channel TEXT NOT NULL            -- facturx, html, legacy
      ) STRICT;
      INSERT INTO invoice_deliveries (invoice_id, sent_at, sent_by, channel) SELECT id, created_at, 'migration 0011', 'legacy' FROM invoices;
      CREATE TRIGGER invoice_deliveries_final BEFORE UPDATE ON invoice_deliveries
        BEGIN SELECT RAISE(ABORT, 'an invoice is sent once'); END;

      -- Daily books: each order's movements (one row per order and posting run), and their sums
      -- per entity, journal, day and account set until the day is over and its entry is written.
      CREATE TABLE subledger (
        id INTEGER PRIMARY KEY,          -- posting order: a daily entry's movements are within [first_detail, last_detail]
        order_id TEXT NOT NULL,
        lines_json TEXT NOT NULL,        -- [[batch, entity, event, fact, journal, role, account, aux, amount, amount_orig, orig_currency, event_at, label], ...]
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX subledger_order ON subledger(order_id);
      CREATE TRIGGER subledger_immutable_update BEFORE UPDATE ON subledger
        BEGIN SELECT RAISE(ABORT, 'the subledger is append-only'); END;
      CREATE TRIGGER subledger_immutable_delete BEFORE DELETE ON subledger
        BEGIN SELECT RAISE(ABORT, 'the subledger is append-only'); END;
      CREATE TABLE daily_batches (
        id INTEGER PRIMARY KEY,
        entity TEXT NOT NULL REFERENCES entities(id),
        journal TEXT NOT NULL,
        entry_date TEXT NOT NULL,
        accounts TEXT NOT NULL,          -- the account set: account numbers, sorted, comma separated
        currency TEXT NOT NULL,          -- book currency
        movements INTEGER NOT NULL,
        first_detail INTEGER NOT NULL,
        last_detail INTEGER NOT NULL,
        entry_id INTEGER                 -- the day's entry, once written
      ) STRICT;
      CREATE UNIQUE INDEX daily_batches_open ON daily_batches(entity, journal, entry_date, accounts) WHERE entry_id IS NULL;
      CREATE INDEX daily_batches_entry ON daily_batches(entry_id) WHERE entry_id IS NOT NULL;
      CREATE INDEX daily_batches_day ON daily_batches(entity, journal, entry_date); -- a late batch's rank among its day's entries
      CREATE TABLE daily_batch_lines (
        batch_id INTEGER NOT NULL REFERENCES daily_batches(id),
        role TEXT NOT NULL,
        account TEXT NOT NULL,
        aux TEXT NOT NULL,               -- '' for none
        orig_currency TEXT NOT NULL,
        debit INTEGER NOT NULL,          -- book currency: debits and credits summed apart, so a
        credit INTEGER NOT NULL,         -- day's entry keeps the turnover of the detailed entries
        debit_orig INTEGER NOT NULL,     -- the same in orig_currency
        credit_orig INTEGER NOT NULL,
        PRIMARY KEY (batch_id, role, account, aux, orig_currency)
      ) STRICT, WITHOUT ROWID;
    `, {
      replace: [
        ['json_group_array(json_array(', 'json_agg(json_build_array('],
        ['i.issue_date, i.line_id, l.description, i.number)), max(i.created_at)', 'i.issue_date, i.line_id, l.description, i.number) ORDER BY i.id, l.seq)::text, max(i.created_at)'],
      ],
      after: CONTINUE_INVOICE_IDS,
    });
  },
  down(db) {
    schema(db, `
      DROP TABLE daily_batch_lines; DROP TABLE daily_batches; DROP TABLE subledger;
      DROP TABLE invoice_deliveries; DROP TABLE invoice_credit_refs; DROP TABLE invoice_totals; DROP TABLE invoice_items;
      DROP INDEX journal_entries_invoice;
      CREATE TABLE invoices_old (
        id INTEGER PRIMARY KEY AUTOINCREMENT, number TEXT NOT NULL UNIQUE, series TEXT NOT NULL, seq INTEGER NOT NULL CHECK (seq > 0),
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')), supplier TEXT NOT NULL REFERENCES entities(id),
        customer TEXT NOT NULL REFERENCES entities(id), issued_by TEXT NOT NULL REFERENCES entities(id),
        self_billed INTEGER NOT NULL CHECK (self_billed IN (0, 1)), issue_date TEXT NOT NULL, fiscal_year TEXT NOT NULL, group_name TEXT NOT NULL,
        currency TEXT NOT NULL, net INTEGER NOT NULL CHECK (net >= 0), vat INTEGER NOT NULL CHECK (vat >= 0), total INTEGER NOT NULL CHECK (total >= 0),
        vat_rate TEXT NOT NULL, order_id TEXT NOT NULL, line_id TEXT NOT NULL, source_key TEXT NOT NULL, credits TEXT, created_at TEXT NOT NULL,
        UNIQUE (series, seq)
      ) STRICT;
      INSERT INTO invoices_old SELECT id, number, series, seq, kind, supplier, customer, issued_by, self_billed, issue_date, fiscal_year, group_name,
        currency, net, vat, total, vat_rate, order_id, line_id, source_key, credits, created_at FROM invoices WHERE period IS NULL ORDER BY id;
      CREATE TABLE invoice_lines_old (
        invoice_id INTEGER NOT NULL REFERENCES invoices_old(id), seq INTEGER NOT NULL, fact TEXT NOT NULL, rule_ref TEXT NOT NULL, to_role TEXT NOT NULL,
        description TEXT NOT NULL, base INTEGER NOT NULL, rate TEXT NOT NULL, net INTEGER NOT NULL, vat INTEGER NOT NULL, PRIMARY KEY (invoice_id, seq)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO invoice_lines_old SELECT l.invoice_id, l.seq, l.fact, l.rule_ref, l.to_role, l.description, l.base, l.rate, l.net, l.vat
        FROM invoice_lines l JOIN invoices_old i ON i.id = l.invoice_id;
      DROP TABLE invoice_lines; DROP TABLE invoices;
      ALTER TABLE invoices_old RENAME TO invoices;
      ALTER TABLE invoice_lines_old RENAME TO invoice_lines;
      CREATE INDEX invoices_order ON invoices(order_id, line_id, source_key);
      CREATE INDEX invoices_supplier ON invoices(supplier, issue_date);
      CREATE INDEX invoices_customer ON invoices(customer, issue_date);
      CREATE TRIGGER invoices_immutable_update BEFORE UPDATE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoices_immutable_delete BEFORE DELETE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_update BEFORE UPDATE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_delete BEFORE DELETE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      ALTER TABLE posting_issues DROP COLUMN event_at;
      DROP TABLE posting_granularity;
      ALTER TABLE entities DROP COLUMN posting;
    `, { after: CONTINUE_INVOICE_IDS });
  },
};
