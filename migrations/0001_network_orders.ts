// The network (entities, locations, catchments, settings), versioned commission rules, and
// the imported orders with their lines, payments and append-only lifecycle events.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0001_network_orders',
  up(db) {
    schema(db, `
      CREATE TABLE network_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL            -- JSON
      ) STRICT;

      CREATE TABLE entities (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        siren TEXT NOT NULL,
        vat_number TEXT,
        region TEXT,
        psp_account TEXT,
        erp_code TEXT,
        fiscal_year_end TEXT NOT NULL DEFAULT '12-31',
        currency TEXT NOT NULL DEFAULT 'EUR'
      ) STRICT;

      CREATE TABLE locations (
        id TEXT PRIMARY KEY,
        entity TEXT NOT NULL REFERENCES entities(id),
        operator TEXT NOT NULL REFERENCES entities(id),
        kind TEXT NOT NULL,
        postcode TEXT,
        ship INTEGER NOT NULL CHECK (ship IN (0, 1)),
        collect INTEGER NOT NULL CHECK (collect IN (0, 1))
      ) STRICT;
      CREATE INDEX locations_entity ON locations(entity);

      CREATE TABLE catchments (
        postcode_prefix TEXT PRIMARY KEY,
        location TEXT NOT NULL REFERENCES locations(id)
      ) STRICT;

      -- One row per rule version; a version is never updated except to retire it.
      CREATE TABLE rules (
        id TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version > 0),
        rule_group TEXT NOT NULL,
        name TEXT,
        description TEXT,
        priority INTEGER NOT NULL,
        valid_from TEXT NOT NULL,
        valid_to TEXT,
        when_json TEXT NOT NULL,
        legs_json TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
        created_at TEXT NOT NULL,
        PRIMARY KEY (id, version)
      ) STRICT;

      CREATE TABLE orders (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        origin TEXT REFERENCES locations(id),
        customer_postcode TEXT,
        created_at TEXT NOT NULL,
        currency TEXT NOT NULL,
        discount INTEGER NOT NULL DEFAULT 0,
        content_hash TEXT NOT NULL,
        imported_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX orders_created_at ON orders(created_at);

      CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        sku TEXT,
        name TEXT,
        category TEXT,
        kind TEXT NOT NULL,
        quantity INTEGER NOT NULL CHECK (quantity > 0),
        unit_price INTEGER NOT NULL,
        discount INTEGER NOT NULL DEFAULT 0,
        vat_rate TEXT NOT NULL,
        delivery_mode TEXT NOT NULL,
        candidates_json TEXT NOT NULL,
        pickup_location TEXT REFERENCES locations(id),
        PRIMARY KEY (order_id, line_id)
      ) STRICT;

      CREATE TABLE payments (
        order_id TEXT NOT NULL REFERENCES orders(id),
        payment_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        method TEXT,
        amount INTEGER NOT NULL,
        psp_fee INTEGER NOT NULL DEFAULT 0,
        captured_at TEXT NOT NULL,
        PRIMARY KEY (order_id, payment_id)
      ) STRICT;

      -- Lifecycle events, append-only: identity is the event's id or a hash of its content.
      CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_key TEXT NOT NULL UNIQUE,
        order_id TEXT NOT NULL REFERENCES orders(id),
        line_id TEXT NOT NULL,
        type TEXT NOT NULL,
        at TEXT NOT NULL,
        payload_json TEXT NOT NULL,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'import'
      ) STRICT;
      CREATE INDEX events_order ON events(order_id, at);
      CREATE TRIGGER events_no_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
      CREATE TRIGGER events_no_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

      CREATE TABLE imports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        file_hash TEXT NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        summary_json TEXT NOT NULL
      ) STRICT;
    `);
  },
  down(db) {
    schema(db, `
      DROP TABLE imports; DROP TABLE events; DROP TABLE payments; DROP TABLE order_lines;
      DROP TABLE orders; DROP TABLE rules; DROP TABLE catchments; DROP TABLE locations;
      DROP TABLE entities; DROP TABLE network_settings;
    `);
  },
};
