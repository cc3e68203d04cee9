// Every subcommand of `ventil`, in the order `ventil --help` lists them.
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { importCommand } from './import.js';
import { initCommand } from './init.js';
import { serveCommand } from './serve.js';
import { settleCommand } from './settle.js';
import { auditCommand } from './audit.js';
import { usersCommand } from './users.js';
import { syncCommand } from './sync.js';
import { reconcileCommand } from './reconcile.js';
import { pspEventsCommand } from './psp-events.js';
import { eventsCommand } from './events.js';
import { routeCommand } from './route.js';
import { releaseCommand } from './release.js';
import { journalCommand, postCommand } from './journal.js';
import { exportCommand } from './export.js';
import { invoicesCommand } from './invoices.js';
import { periodsCommand } from './periods.js';
import { hubCommand } from './hub.js';
import { devicesCommand } from './devices.js';
import { joinCommand } from './join.js';

export const commands: readonly Command[] = [
  initCommand,
  importCommand,
  demoCommand,
  settleCommand,
  serveCommand,
  hubCommand,
  devicesCommand,
  joinCommand,
  usersCommand,
  auditCommand,
  syncCommand,
  reconcileCommand,
  pspEventsCommand,
  eventsCommand,
  routeCommand,
  releaseCommand,
  journalCommand,
  postCommand,
  periodsCommand,
  invoicesCommand,
  exportCommand,
];
