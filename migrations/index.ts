// The static list of migrations, in order. A bundle cannot scan a folder for `.ts` files, so
// every migration is imported here by name. Append new ones at the end; never reorder.
import type { Migration } from './types.js';
import { migration as m0001 } from './0001_network_orders.js';
import { migration as m0002 } from './0002_settlements.js';
import { migration as m0005 } from './0005_outbox_sync.js';
import { migration as m0006 } from './0006_users_audit.js';
import { migration as m0003 } from './0003_routing_release.js';
import { migration as m0004 } from './0004_books.js';
import { migration as m0007 } from './0007_settlement_access_paths.js';

export const migrations: readonly Migration[] = [m0001, m0002, m0005, m0006, m0003, m0004, m0007];
export type { Migration };
