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
// The PostgreSQL project runs every integration file whose tests open their database through
// test/helpers/db.ts (memoryDb, directly or through a fixture), and the golden examples. Left out:
// the postgres-*.test.ts files, which run their PostgreSQL tests in the first project already, and
// the files whose commands and hosts open SQLite files of their own, whatever VENTIL_TEST_DB says
// (running them twice would test SQLite twice).
const POSTGRES_INCLUDE = ['test/integration/**/*.test.ts', 'test/golden/**/*.test.ts'];
const POSTGRES_EXCLUDE = [
  'test/integration/postgres-*.test.ts',
  ...['accounting-doc', 'cli', 'concurrent-writers', 'events-fuzz', 'files-audit', 'host-process', 'hub-cli', 'network-api', 'release-kill',
    'settle-cli', 'sync-cli', 'sync-faults', 'sync-kill-in-flight']
    .map((name) => `test/integration/${name}.test.ts`),
];

const onPostgres = process.env.VENTIL_TEST_DB === 'postgres';
const postgresRun = !onPostgres && postgresBin() !== null;
if (!onPostgres && !postgresRun) console.log('PostgreSQL is not installed: the PostgreSQL run of test/integration and test/golden is skipped (apt-get install -y postgresql)');

const projects: TestProjectInlineConfiguration[] = [
  { extends: true, test: { name: onPostgres ? 'postgres' : 'sqlite', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] } },
];
if (postgresRun) {
  projects.push({ extends: true, test: { name: 'postgres', include: POSTGRES_INCLUDE, exclude: POSTGRES_EXCLUDE, env: { VENTIL_LOG_DIR: logDir, VENTIL_TEST_DB: 'postgres' } } });
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
