// Test databases: a fresh temp file (or memory) with the real migrations, and a frozen clock.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createContext } from '../../core/api/context.js';
import type { Principal } from '../../core/api/principal.js';
import { openDatabase } from '../../core/store/database.js';
import type { Db } from '../../core/store/db.js';
import { freshPostgresUrl } from './postgres.js';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const examplesDir = resolve(repoRoot, 'test/fixtures/examples');
export const exampleFile = (name: string) => join(examplesDir, name);
export const readExample = (name: string) => JSON.parse(readFileSync(exampleFile(name), 'utf8'));

/**
 * network-basic with three faults an import must name (a rate that is not a number, a candidate
 * location that does not exist, payments that do not add up), written to `dir/broken.json`.
 */
export function writeBrokenExample(dir: string): string {
  const broken = readExample('network-basic.json');
  broken.rules[0].legs[0].rate = 'cinq pour cent';
  broken.orders[1].lines[0].candidates = ['ST-NOWHERE'];
  broken.orders[2].payments[0].amount = 8400;
  const file = join(dir, 'broken.json');
  writeFileSync(file, JSON.stringify(broken));
  return file;
}

export const FROZEN_NOW = new Date('2026-04-01T12:00:00Z');

export function tempDir(prefix = 'ventil-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The backend tests run on: SQLite, or PostgreSQL with `VENTIL_TEST_DB=postgres`. */
export const testBackend: 'sqlite' | 'postgres' = process.env.VENTIL_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

/** A fresh migrated database: SQLite in memory, or a new database on this worker's PostgreSQL. */
export function memoryDb(): Db {
  if (testBackend === 'postgres') return openDatabase({ file: freshPostgresUrl(migrateTemplate), now: () => FROZEN_NOW }).db;
  return openDatabase({ file: ':memory:', now: () => FROZEN_NOW }).db;
}

function migrateTemplate(url: string): void {
  openDatabase({ file: url, now: () => FROZEN_NOW }).db.close();
}

export function testContext(db: Db = memoryDb(), principal?: Principal) {
  return createContext(db, { principal, now: () => FROZEN_NOW });
}
