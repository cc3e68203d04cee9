import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native SQLite and child processes: forks isolate them best.
    pool: 'forks',
    setupFiles: ['test/helpers/setup.ts'],
    // The commands tests run write their log files here, not in the user's data folder.
    env: { VENTIL_LOG_DIR: join(tmpdir(), 'ventil-test-logs') },
  },
});
