// The static list of migrations, in order. A bundle cannot scan a folder for `.ts` files, so
// every migration is imported here by name. Append new ones at the end; never reorder.
import type { Migration } from './types.js';
import { migration as m0001 } from './0001_network_orders.js';
import { migration as m0002 } from './0002_settlements.js';
import { migration as m0005 } from './0005_outbox_sync.js';

export const migrations: readonly Migration[] = [m0001, m0002, m0005];
export type { Migration };
