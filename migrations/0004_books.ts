// Each entity's books (docs/spec.md section 9, docs/accounting.md): immutable journal entries and
// their lines, the commission invoices and credit notes between entities, the chart of accounts
// and its mapping per entity, closed periods, and the ERP batches pushed through the outbox.
// Self-contained: it references only `entities` (0001), so it applies whatever 0003/0005 hold.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0004_books',
  up(db) {
    schema(db, `
      -- Accounts an entity added to the default PCG chart (core/domain/books-accounts.ts).
      CREATE TABLE accounts (
        entity TEXT NOT NULL REFERENCES entities(id),
        number TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (entity, number)
      ) STRICT;

      -- Which account each posting role uses in an entity's books (absent: the PCG default).
      -- Changing a mapping never touches posted entries: it applies to entries posted after it.
      CREATE TABLE account_mappings (
        entity TEXT NOT NULL REFERENCES entities(id),
        role TEXT NOT NULL,
        account TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (entity, role)
      ) STRICT;

      -- Closed periods: one row per closed month, and one per closed fiscal year (kind 'year',
      -- named by its closing year). A closed period accepts no entry; closing is final.
      CREATE TABLE closed_periods (
        entity TEXT NOT NULL REFERENCES entities(id),
        period TEXT NOT NULL,            -- YYYY-MM, or YYYY for a fiscal year
        kind TEXT NOT NULL CHECK (kind IN ('month', 'year')),
        start_date TEXT NOT NULL,        -- YYYY-MM-DD, inclusive
        end_date TEXT NOT NULL,          -- YYYY-MM-DD, inclusive
        closed_at TEXT NOT NULL,
        closed_by TEXT NOT NULL,
        PRIMARY KEY (entity, period)
      ) STRICT;
      CREATE TRIGGER closed_periods_final_update BEFORE UPDATE ON closed_periods
        BEGIN SELECT RAISE(ABORT, 'a closed period stays closed'); END;
      CREATE TRIGGER closed_periods_final_delete BEFORE DELETE ON closed_periods
        BEGIN SELECT RAISE(ABORT, 'a closed period stays closed'); END;

      -- A journal entry, validated when written: numbered without gaps per entity, journal and
      -- fiscal year. Amounts are in the entity's book currency; each line keeps its amount in the
      -- event's currency (FEC Montantdevise / Idevise).
      CREATE TABLE journal_entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- validation order
        entity TEXT NOT NULL REFERENCES entities(id),
        journal TEXT NOT NULL,           -- VE, AC, BQ, OD
        fiscal_year TEXT NOT NULL,       -- closing year of the fiscal year of entry_date
        number INTEGER NOT NULL CHECK (number > 0),
        entry_date TEXT NOT NULL,        -- YYYY-MM-DD (books time zone)
        event_at TEXT NOT NULL,          -- when the event happened (ISO 8601 UTC)
        shifted INTEGER NOT NULL DEFAULT 0 CHECK (shifted IN (0, 1)), -- event in a closed period
        adjustment INTEGER NOT NULL DEFAULT 0 CHECK (adjustment IN (0, 1)),
        valid_at TEXT NOT NULL,          -- validation time
        label TEXT NOT NULL,
        piece_ref TEXT NOT NULL,
        piece_date TEXT NOT NULL,        -- YYYY-MM-DD
        source_key TEXT NOT NULL,        -- the financial event (cap:, fee:, ful:, ret:, can:, tr:)
        order_id TEXT,
        transfer_id TEXT,
        invoice_id INTEGER,
        currency TEXT NOT NULL,          -- book currency
        orig_currency TEXT NOT NULL,     -- the event's currency
        fx_rate TEXT,                    -- decimal string, when converted
        fx_date TEXT,                    -- date of the fx_rates entry used
        UNIQUE (entity, journal, fiscal_year, number)
      ) STRICT;
      CREATE INDEX journal_entries_order ON journal_entries(order_id) WHERE order_id IS NOT NULL;
      CREATE INDEX journal_entries_transfer ON journal_entries(transfer_id) WHERE transfer_id IS NOT NULL;
      CREATE INDEX journal_entries_entity_date ON journal_entries(entity, entry_date);

      CREATE TABLE journal_lines (
        entry_id INTEGER NOT NULL REFERENCES journal_entries(id),
        seq INTEGER NOT NULL,
        fact TEXT NOT NULL,              -- component of the event (sale, leg:N, cap, fee, refund, transfer)
        role TEXT NOT NULL,              -- posting role (sales, escrow, network_current, ...)
        account TEXT NOT NULL,
        aux TEXT,                        -- auxiliary account: the entity of a 467200 current account
        debit INTEGER NOT NULL CHECK (debit >= 0),
        credit INTEGER NOT NULL CHECK (credit >= 0),
        label TEXT NOT NULL,
        amount_orig INTEGER NOT NULL,    -- signed (debit positive), in orig_currency
        orig_currency TEXT NOT NULL,
        PRIMARY KEY (entry_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER journal_entries_immutable_update BEFORE UPDATE ON journal_entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable; post a reversing entry'); END;
      CREATE TRIGGER journal_entries_immutable_delete BEFORE DELETE ON journal_entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable; post a reversing entry'); END;
      CREATE TRIGGER journal_lines_immutable_update BEFORE UPDATE ON journal_lines
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable; post a reversing entry'); END;
      CREATE TRIGGER journal_lines_immutable_delete BEFORE DELETE ON journal_lines
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable; post a reversing entry'); END;
      -- No entry may land in a closed period: the posting run moves it to the next open one, and
      -- the entry writer refuses one that would not (core/store/books-repo.ts). Not a trigger: an
      -- insert trigger doubles the cost of posting, the hot path of an import.

      -- Invoices and credit notes for the legs between entities (commission, royalty, ...),
      -- numbered without gaps per series (prefix, supplier, fiscal year).
      CREATE TABLE invoices (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        number TEXT NOT NULL UNIQUE,
        series TEXT NOT NULL,            -- e.g. COM-LYON-2026, AV-COM-LYON-2026
        seq INTEGER NOT NULL CHECK (seq > 0),
        kind TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        supplier TEXT NOT NULL REFERENCES entities(id),   -- the beneficiary of the legs
        customer TEXT NOT NULL REFERENCES entities(id),   -- their payer
        issued_by TEXT NOT NULL REFERENCES entities(id),  -- the supplier, or the platform (self-billing)
        self_billed INTEGER NOT NULL CHECK (self_billed IN (0, 1)),
        issue_date TEXT NOT NULL,        -- YYYY-MM-DD
        fiscal_year TEXT NOT NULL,
        group_name TEXT NOT NULL,        -- rule group: commission, royalty, ...
        currency TEXT NOT NULL,
        net INTEGER NOT NULL CHECK (net >= 0),
        vat INTEGER NOT NULL CHECK (vat >= 0),
        total INTEGER NOT NULL CHECK (total >= 0),
        vat_rate TEXT NOT NULL,
        order_id TEXT NOT NULL,
        line_id TEXT NOT NULL,
        source_key TEXT NOT NULL,
        credits TEXT,                    -- credit note: the invoice it corrects
        created_at TEXT NOT NULL,
        UNIQUE (series, seq)
      ) STRICT;
      CREATE INDEX invoices_order ON invoices(order_id, line_id, source_key);
      CREATE INDEX invoices_supplier ON invoices(supplier, issue_date);
      CREATE INDEX invoices_customer ON invoices(customer, issue_date);

      CREATE TABLE invoice_lines (
        invoice_id INTEGER NOT NULL REFERENCES invoices(id),
        seq INTEGER NOT NULL,
        fact TEXT NOT NULL,              -- leg:N of the event
        rule_ref TEXT NOT NULL,          -- ID@VERSION
        to_role TEXT NOT NULL,
        description TEXT NOT NULL,
        base INTEGER NOT NULL,
        rate TEXT NOT NULL,
        net INTEGER NOT NULL,            -- positive on invoices and on credit notes
        vat INTEGER NOT NULL,
        PRIMARY KEY (invoice_id, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TRIGGER invoices_immutable_update BEFORE UPDATE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoices_immutable_delete BEFORE DELETE ON invoices
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_update BEFORE UPDATE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;
      CREATE TRIGGER invoice_lines_immutable_delete BEFORE DELETE ON invoice_lines
        BEGIN SELECT RAISE(ABORT, 'invoices are immutable; issue a credit note'); END;

      -- Events the books could not post yet (a missing exchange rate...): the next posting run
      -- retries them; the row goes once the event is posted. Not money: rows come and go.
      CREATE TABLE posting_issues (
        event TEXT PRIMARY KEY,
        order_id TEXT,
        transfer_id TEXT,
        entities_json TEXT NOT NULL,     -- the books the event concerns (scope)
        code TEXT NOT NULL,
        message TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
      ) STRICT;

      -- One ERP batch per entity and closed month, sent by the outbox (kind erp.push).
      CREATE TABLE erp_batches (
        entity TEXT NOT NULL REFERENCES entities(id),
        period TEXT NOT NULL,            -- YYYY-MM
        idempotency_key TEXT NOT NULL UNIQUE,
        entries INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        debit INTEGER NOT NULL,
        credit INTEGER NOT NULL,
        digest TEXT NOT NULL,            -- sha256 of the batch content
        created_at TEXT NOT NULL,
        PRIMARY KEY (entity, period)
      ) STRICT;
      CREATE TRIGGER erp_batches_immutable BEFORE UPDATE ON erp_batches
        BEGIN SELECT RAISE(ABORT, 'an ERP batch never changes'); END;
    `);
  },
  down(db) {
    schema(db, `
      DROP TABLE erp_batches; DROP TABLE posting_issues; DROP TABLE invoice_lines; DROP TABLE invoices;
      DROP TABLE journal_lines; DROP TABLE journal_entries; DROP TABLE closed_periods;
      DROP TABLE account_mappings; DROP TABLE accounts;
    `);
  },
};
