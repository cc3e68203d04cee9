// What the back office's money workflows need to remember (issue 15, docs/ui.md):
// - `release_approvals`: a release run prepared by one person and, above the network's
//   threshold, approved (or rejected) by another before it may run: four eyes. The plan is named
//   by its hash, so an approval holds only for the exact transfers it was given.
// - `reconciliation_explanations`: a mismatch of a reconciliation run marked as explained, with
//   a note; the run's items stay append-only.
// - `inbox_reads`: which requests of a store's inbox a user has opened (the unread count).
// - `rule_drafts`: a rule edited and saved before it is published, compared and simulated; once
//   published it names the version it became.
// - `rules.published_by`: who published a version (null for versions imported from a file).
import { schema } from './postgres-ddl.js';
import type { Migration } from './types.js';

export const migration: Migration = {
  name: '0013_back_office',
  up(db) {
    schema(db, `
      CREATE TABLE release_approvals (
        id TEXT PRIMARY KEY,
        as_of TEXT NOT NULL,
        plan_hash TEXT NOT NULL,
        transfer_count INTEGER NOT NULL,
        totals_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'executed', 'withdrawn')),
        prepared_by TEXT NOT NULL,
        prepared_by_name TEXT NOT NULL,
        prepared_at TEXT NOT NULL,
        decided_by TEXT,
        decided_by_name TEXT,
        decided_at TEXT,
        note TEXT,
        run_id TEXT REFERENCES release_runs(id)
      ) STRICT;
      CREATE INDEX release_approvals_status ON release_approvals(status, prepared_at);

      CREATE TABLE reconciliation_explanations (
        run_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        note TEXT NOT NULL,
        explained_by TEXT NOT NULL,
        explained_by_name TEXT NOT NULL,
        explained_at TEXT NOT NULL,
        PRIMARY KEY (run_id, seq),
        FOREIGN KEY (run_id, seq) REFERENCES reconciliation_items(run_id, seq)
      ) STRICT;

      CREATE TABLE inbox_reads (
        user_id TEXT NOT NULL,
        offer_id INTEGER NOT NULL REFERENCES routing_offers(id),
        read_at TEXT NOT NULL,
        PRIMARY KEY (user_id, offer_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE rule_drafts (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        base_version INTEGER,
        body_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'discarded')),
        created_by TEXT NOT NULL,
        created_by_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        published_version INTEGER,
        published_at TEXT
      ) STRICT;
      CREATE INDEX rule_drafts_rule ON rule_drafts(rule_id, status);

      ALTER TABLE rules ADD COLUMN published_by TEXT;
      ALTER TABLE rules ADD COLUMN published_by_name TEXT;
    `);
  },
  down(db) {
    schema(db, `
      ALTER TABLE rules DROP COLUMN published_by_name;
      ALTER TABLE rules DROP COLUMN published_by;
      DROP TABLE rule_drafts;
      DROP TABLE inbox_reads;
      DROP TABLE reconciliation_explanations;
      DROP TABLE release_approvals;
    `);
  },
};
