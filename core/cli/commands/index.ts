// Every subcommand of `ventil`, in the order `ventil --help` lists them.
import type { Command } from '../command.js';
import { demoCommand } from './demo.js';
import { importCommand } from './import.js';
import { initCommand } from './init.js';
import { serveCommand } from './serve.js';
import { settleCommand } from './settle.js';

export const commands: readonly Command[] = [
  initCommand,
  importCommand,
  demoCommand,
  settleCommand,
  serveCommand,
];
