// Runs the real `ventil` command (bin/ventil.mjs) in a child process.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './db.js';

export interface CliResult { status: number; stdout: string; stderr: string }

export function ventil(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/ventil.mjs'), ...args], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
