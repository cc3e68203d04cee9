// Each entity's time zone, the totals per entity and local day that head office's dashboard
// reads, and an index that pages orders by a keyset (docs/decisions/0010-books-at-network-scale.md).
// - `entities.time_zone`: an IANA name, Europe/Paris for every existing entity (what the books
//   assumed until now).
// - `entity_day_totals` and `entity_day_legs`: what the current settlement revisions hold for an
//   entity, per local day of the orders' creation and currency (core/store/day-totals.ts keeps them
//   with every settlement, for the platform entity). Filled here from the stored settlements, in
//   SQL, with the local date computed by the time zone database (a function registered for the
//   migration).
// - `orders(created_at, id)` replaces `orders(created_at)`: `orders.list` continues after the last
//   row it returned instead of skipping an offset.
import { isSqlite } from '../core/store/dialect.js';
import type { Sqlite } from '../core/store/sqlite.js';
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

const NOT_SOLD = "('pending', 'accepted', 'cancelled')";
const PLATFORM = "(SELECT json_extract(value, '$') FROM network_settings WHERE key = 'platform_entity')";

function registerZonedDate(db: Sqlite) {
  const formats = new Map<string, Intl.DateTimeFormat>();
  db.function('ventil_zoned_date', { deterministic: true }, (at: unknown, zone: unknown) => {
    const z = String(zone);
    let f = formats.get(z);
    if (!f) formats.set(z, (f = new Intl.DateTimeFormat('en-CA', { timeZone: z, year: 'numeric', month: '2-digit', day: '2-digit' })));
    return f.format(new Date(String(at)));
  });
}

export const migration: Migration = {
  name: '0010_time_zones_day_totals',
  up(db) {
    if (isSqlite(db)) registerZonedDate(db);
    schema(db, `
      ALTER TABLE entities ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Paris';

      CREATE TABLE entity_day_totals (
        entity TEXT NOT NULL,
        day TEXT NOT NULL,               -- YYYY-MM-DD, local date of the orders' creation
        currency TEXT NOT NULL,
        orders INTEGER NOT NULL,         -- orders the entity is a party to
        lines_owned INTEGER NOT NULL,    -- its lines sold (not pending, accepted or cancelled)
        sales_gross INTEGER NOT NULL,
        sales_net INTEGER NOT NULL,
        returned_gross INTEGER NOT NULL,
        owned_gross INTEGER NOT NULL,    -- every line it owns, whatever its status
        payout INTEGER NOT NULL,         -- its shares
        fees INTEGER NOT NULL,           -- its PSP fee shares
        unscheduled INTEGER NOT NULL,    -- its line shares with no release time yet
        last_release_at TEXT,            -- latest release time of its line shares (never lowered)
        PRIMARY KEY (entity, day, currency)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE entity_day_legs (
        entity TEXT NOT NULL,
        day TEXT NOT NULL,
        currency TEXT NOT NULL,
        group_name TEXT NOT NULL,
        earned INTEGER NOT NULL,         -- legs it receives, net of reversals
        earned_vat INTEGER NOT NULL,
        paid INTEGER NOT NULL,           -- legs it pays
        paid_vat INTEGER NOT NULL,
        earn_legs INTEGER NOT NULL,      -- non-void legs it receives (a group shows while > 0)
        pay_legs INTEGER NOT NULL,
        PRIMARY KEY (entity, day, currency, group_name)
      ) STRICT, WITHOUT ROWID;

      CREATE INDEX orders_created_id ON orders(created_at, id);
      DROP INDEX orders_created_at;

      INSERT INTO entity_day_totals
      WITH cur AS (SELECT s.order_id, s.revision, s.currency, o.created_at FROM settlements s JOIN orders o ON o.id = s.order_id),
      c AS (
        SELECT l.owner AS entity, cur.created_at, cur.currency, 0 AS orders,
            CASE WHEN l.status IN ${NOT_SOLD} THEN 0 ELSE 1 END AS lines_owned,
            CASE WHEN l.status IN ${NOT_SOLD} THEN 0 ELSE l.gross END AS sales_gross,
            CASE WHEN l.status IN ${NOT_SOLD} THEN 0 ELSE l.net END AS sales_net,
            CASE WHEN l.status IN ${NOT_SOLD} THEN 0 ELSE l.reversed_gross END AS returned_gross,
            l.gross AS owned_gross, 0 AS payout, 0 AS fees, 0 AS unscheduled, NULL AS last_release_at
          FROM settlement_lines l JOIN cur ON l.order_id = cur.order_id AND l.revision = cur.revision
        UNION ALL
        SELECT x.entity, cur.created_at, cur.currency, 0, 0, 0, 0, 0, 0, x.amount,
            CASE WHEN x.kind = 'fee' THEN x.amount ELSE 0 END,
            CASE WHEN x.kind = 'line' AND x.release_at IS NULL THEN x.amount ELSE 0 END,
            CASE WHEN x.kind = 'line' THEN x.release_at END
          FROM entity_shares x JOIN cur ON x.order_id = cur.order_id AND x.revision = cur.revision
        UNION ALL
        SELECT p.entity, cur.created_at, cur.currency, 1, 0, 0, 0, 0, 0, 0, 0, 0, NULL
          FROM order_parties p JOIN cur ON p.order_id = cur.order_id
      )
      SELECT c.entity, ventil_zoned_date(c.created_at, coalesce(e.time_zone, 'Europe/Paris')) AS day, c.currency, sum(c.orders), sum(c.lines_owned),
          sum(c.sales_gross), sum(c.sales_net), sum(c.returned_gross), sum(c.owned_gross), sum(c.payout), sum(c.fees), sum(c.unscheduled), max(c.last_release_at)
        FROM c LEFT JOIN entities e ON e.id = c.entity WHERE c.entity = ${PLATFORM} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

      INSERT INTO entity_day_legs
      WITH cur AS (SELECT s.order_id, s.revision, s.currency, o.created_at FROM settlements s JOIN orders o ON o.id = s.order_id),
      g AS (
        SELECT cur.created_at, cur.currency, j.value ->> 0 AS grp, j.value ->> 3 AS to_e, j.value ->> 5 AS from_e,
            (j.value ->> 8) - (j.value ->> 11) AS amount, (j.value ->> 9) - (j.value ->> 12) AS vat
          FROM settlement_lines l JOIN cur ON l.order_id = cur.order_id AND l.revision = cur.revision, json_each(l.legs_json) j
          WHERE j.value ->> 10 IS NULL
      ),
      c AS (
        SELECT to_e AS entity, created_at, currency, grp, amount AS earned, vat AS earned_vat, 0 AS paid, 0 AS paid_vat, 1 AS earn_legs, 0 AS pay_legs
          FROM g WHERE to_e IS NOT NULL
        UNION ALL
        SELECT from_e, created_at, currency, grp, 0, 0, amount, vat, 0, 1 FROM g WHERE from_e IS NOT NULL
      )
      SELECT c.entity, ventil_zoned_date(c.created_at, coalesce(e.time_zone, 'Europe/Paris')) AS day, c.currency, c.grp, sum(c.earned), sum(c.earned_vat),
          sum(c.paid), sum(c.paid_vat), sum(c.earn_legs), sum(c.pay_legs)
        FROM c LEFT JOIN entities e ON e.id = c.entity WHERE c.entity = ${PLATFORM} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
    `, {
      // The local date by PostgreSQL's own time zone database; JSON by its json operators.
      replace: [
        ["ventil_zoned_date(c.created_at, coalesce(e.time_zone, 'Europe/Paris'))", "to_char(c.created_at::timestamptz AT TIME ZONE coalesce(e.time_zone, 'Europe/Paris'), 'YYYY-MM-DD')"],
        ["json_extract(value, '$')", "value::json #>> '{}'"],
        ['(j.value ->> 8) - (j.value ->> 11) AS amount, (j.value ->> 9) - (j.value ->> 12) AS vat', '(j.value ->> 8)::bigint - (j.value ->> 11)::bigint AS amount, (j.value ->> 9)::bigint - (j.value ->> 12)::bigint AS vat'],
        ['json_each(l.legs_json) j', 'json_array_elements(l.legs_json::json) j(value)'],
      ],
    });
  },
  down(db) {
    schema(db, `
      CREATE INDEX orders_created_at ON orders(created_at);
      DROP INDEX orders_created_id;
      DROP TABLE entity_day_legs;
      DROP TABLE entity_day_totals;
      ALTER TABLE entities DROP COLUMN time_zone;
    `);
  },
};
