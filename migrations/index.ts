// The static list of migrations, in file order. A bundle cannot scan a folder for `.ts` files, so
// every migration is imported here by name. Append new ones at the end; never reorder.
// (Before issue 17 the list read 0001, 0002, 0005, 0006, 0003, 0004, 0007: databases that applied
// them in that order open unchanged, since each is recorded by name and 0003-0006 are
// independent of each other; test/unit/migrations/index.test.ts checks both orders.)
import type { Migration } from './types.js';
import { migration as m0001 } from './0001_network_orders.js';
import { migration as m0002 } from './0002_settlements.js';
import { migration as m0003 } from './0003_routing_release.js';
import { migration as m0004 } from './0004_books.js';
import { migration as m0005 } from './0005_outbox_sync.js';
import { migration as m0006 } from './0006_users_audit.js';
import { migration as m0007 } from './0007_settlement_access_paths.js';
import { migration as m0008 } from './0008_hardening.js';
import { migration as m0009 } from './0009_network_replication.js';
import { migration as m0010 } from './0010_time_zones_day_totals.js';
import { migration as m0011 } from './0011_periodic_invoices_daily_posting.js';
import { migration as m0013 } from './0013_back_office.js';
import { migration as m0014 } from './0014_postgres_partitions.js';
import { migration as m0015 } from './0015_insertion_order.js';
import { migration as m0016 } from './0016_subledger_format_2.js';
import { migration as m0017 } from './0017_month_sums_until_issued.js';
import { migration as m0018 } from './0018_shares_in_revisions.js';

export const migrations: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0013, m0014, m0015, m0016, m0017, m0018];
export type { Migration };
