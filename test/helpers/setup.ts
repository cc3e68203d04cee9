// Run before each test file (vitest.config.ts): with VENTIL_TEST_DB=postgres, the file's
// PostgreSQL server (test/helpers/postgres.ts) is stopped and removed when its tests are done.
import { afterAll } from 'vitest';
import { stopSharedPostgres } from './postgres.js';

afterAll(stopSharedPostgres);
