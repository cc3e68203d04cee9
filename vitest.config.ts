import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { postgresBin } from './test/helpers/postgres-bin.js';

const logDir = join(tmpdir(), 'ventil-test-logs');

// `npm test` runs every test on SQLite and, when PostgreSQL is installed, the store and API
// integration suites and the golden examples again on PostgreSQL (issue 13): the second project
// sets VENTIL_TEST_DB=postgres, so test/helpers/db.ts gives each test a database on the file's
// own server (test/helpers/postgres.ts). `--project sqlite` or `--project postgres` runs one.
// With VENTIL_TEST_DB=postgres already set, the one project runs everything on PostgreSQL.
//
// Issue 13: only the files listed here run in the PostgreSQL project for now, those that passed
// `VENTIL_TEST_DB=postgres npx vitest run test/integration test/golden` on main; the others are
// being fixed (routing, release, replication, hub API, scope, back office, books, exports, golden)
// and join the list once `VENTIL_TEST_DB=postgres npx vitest run FILE` passes, until the list is
// test/integration and test/golden whole.
// The postgres-*.test.ts files run their PostgreSQL tests in the first project already.
const POSTGRES_FILES: string[] = [
  'test/integration/closing-checks.test.ts',
  'test/integration/cli.test.ts',
  'test/integration/concurrent-writers.test.ts',
  'test/integration/day-totals.test.ts',
  'test/integration/facturx.test.ts',
  'test/integration/files-audit.test.ts',
  'test/integration/hub-cli.test.ts',
  'test/integration/identifiers.test.ts',
  'test/integration/invoices.test.ts',
  'test/integration/network-faults.test.ts',
  'test/integration/psp-funds.test.ts',
  'test/integration/rules-api.test.ts',
  'test/integration/settlement-store.test.ts',
  'test/integration/sign-in-attack.test.ts',
];

const onPostgres = process.env.VENTIL_TEST_DB === 'postgres';
const postgresRun = !onPostgres && postgresBin() !== null;
if (!onPostgres && !postgresRun) console.log('PostgreSQL is not installed: the PostgreSQL run of test/integration and test/golden is skipped (apt-get install -y postgresql)');

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: onPostgres ? 'postgres' : 'sqlite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] } },
];
if (postgresRun) {
  projects.push({ extends: true, test: { name: 'postgres', include: POSTGRES_FILES, env: { VENTIL_LOG_DIR: logDir, VENTIL_TEST_DB: 'postgres' } } });
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native SQLite and child processes: forks isolate them best.
    pool: 'forks',
    setupFiles: ['test/helpers/setup.ts'],
    // The commands tests run write their log files here, not in the user's data folder.
    env: { VENTIL_LOG_DIR: logDir },
    projects,
  },
});
