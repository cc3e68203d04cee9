// Where Debian's PostgreSQL binaries are, for test/helpers/postgres.ts and vitest.config.ts (which
// must not load the test helpers themselves).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The binaries of the newest installed PostgreSQL, or null when none is installed. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : null;
}
