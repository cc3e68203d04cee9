// Hardening (docs/decisions/0008-hardening.md):
// - sign-in throttles replace the account lockout: failed sign-ins counted per login (known or
//   not, so the table tells nothing about which logins exist) and per source, each failure
//   making the next attempt wait longer, up to a cap; `users.failed_attempts` and
//   `users.locked_until` go;
// - a PSP payment belongs to one order only: an index on `payments.payment_id` and a trigger
//   refusing a payment already carried by another order. A trigger rather than a UNIQUE index, so
//   a database that already holds such a duplicate (imported before this check) still migrates;
//   the import names the duplicate before the trigger would ever fire.
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

const ONE_ORDER_TRIGGER = `CREATE TRIGGER payments_one_order BEFORE INSERT ON payments
        WHEN EXISTS (SELECT 1 FROM payments WHERE payment_id = NEW.payment_id AND order_id <> NEW.order_id)
        BEGIN SELECT RAISE(ABORT, 'this payment already belongs to another order'); END;`;

export const migration: Migration = {
  name: '0008_hardening',
  up(db) {
    schema(db, `
      CREATE TABLE sign_in_throttles (
        kind TEXT NOT NULL CHECK (kind IN ('login', 'source')),
        key TEXT NOT NULL,                   -- the login as typed (trimmed, NFC, lower case), or the source
        failures INTEGER NOT NULL CHECK (failures > 0),
        first_failure_at TEXT NOT NULL,
        last_failure_at TEXT NOT NULL,
        PRIMARY KEY (kind, key)
      ) STRICT;
      CREATE INDEX sign_in_throttles_last ON sign_in_throttles(last_failure_at);

      ALTER TABLE users DROP COLUMN failed_attempts;
      ALTER TABLE users DROP COLUMN locked_until;

      CREATE INDEX payments_payment_id ON payments(payment_id);
      ${ONE_ORDER_TRIGGER}
    `, {
      // PostgreSQL refuses a subquery in a trigger's WHEN: the check is a function.
      replace: [[ONE_ORDER_TRIGGER, `CREATE FUNCTION payments_one_order() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF EXISTS (SELECT 1 FROM payments WHERE payment_id = NEW.payment_id AND order_id <> NEW.order_id) THEN
              RAISE EXCEPTION 'this payment already belongs to another order';
            END IF;
            RETURN NEW;
          END $$;
        CREATE TRIGGER payments_one_order BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION payments_one_order();`]],
    });
  },
  down(db) {
    schema(db, `
      DROP TRIGGER payments_one_order;
      DROP INDEX payments_payment_id;
      ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0);
      ALTER TABLE users ADD COLUMN locked_until TEXT;
      DROP TABLE sign_in_throttles;
    `, { replace: [['DROP TRIGGER payments_one_order;', 'DROP TRIGGER payments_one_order ON payments; DROP FUNCTION payments_one_order();']] });
  },
};
