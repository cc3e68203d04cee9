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

/**
 * Runs `ventil` in this process (`main` from core/cli/main.ts, the code path of the real
 * command), capturing what it prints: many runs cost milliseconds instead of a process each.
 * `env` is set for the run only.
 */
export async function ventilHere(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const { vi } = await import('vitest');
  const { format } = await import('node:util');
  const { main } = await import('../../core/cli/main.js');
  let stdout = '';
  let stderr = '';
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { stdout += `${format(...a)}\n`; }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => { stderr += `${format(...a)}\n`; }),
    vi.spyOn(console, 'warn').mockImplementation((...a: unknown[]) => { stderr += `${format(...a)}\n`; }),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { stdout += String(chunk); return true; }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }),
  ];
  try {
    const status = await main(args);
    return { status, stdout, stderr };
  } finally {
    for (const s of spies) s.mockRestore();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
