#!/usr/bin/env node
// `npm start`: opens the desktop app. The SQLite driver in node_modules
// (better-sqlite3-multiple-ciphers, core/store/sqlite.ts) is built for Node (tests, the command
// line); Electron needs the same module built for its own ABI. We rebuild a copy under
// .electron-native/ once per Electron version with @electron/rebuild, and point the main
// process at it, so the Node build is never touched.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
const nativeDir = join(root, '.electron-native');
const driver = 'better-sqlite3-multiple-ciphers';
const moduleDir = join(nativeDir, 'node_modules', driver);
const binding = join(moduleDir, 'build/Release/better_sqlite3.node');
const stamp = join(nativeDir, 'electron-version');
const wanted = `${driver}@${electronVersion}`;

if (!existsSync(binding) || !existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
  console.log(`building ${driver} for Electron ${electronVersion} (once)...`);
  mkdirSync(dirname(moduleDir), { recursive: true });
  cpSync(join(root, 'node_modules', driver), moduleDir, { recursive: true });
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: nativeDir, electronVersion, onlyModules: [driver], force: true });
  writeFileSync(stamp, wanted);
}

const electron = require('electron'); // the path of the Electron binary (downloaded on first use)
const child = spawn(electron, [root], {
  stdio: 'inherit',
  env: { ...process.env, VENTIL_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 0));
