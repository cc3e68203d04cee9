// `ventil sync` as a child process for the fault tests (test/fixtures/sync-child.ts), so a test
// can SIGKILL the real runner at chosen points, and the outbox's state between kills.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase } from '../../core/store/database.js';
import { repoRoot } from './db.js';

const children = new Set<ChildProcess>();

/** Kills every runner still alive (call it in afterAll). */
export function killRunners(): void {
  for (const c of children) c.kill('SIGKILL');
}

/**
 * The command that runs the child: bundled by esbuild into one file run by plain node when
 * esbuild is there (a child starts in ~0.5 s instead of ~1.5 s under tsx's loader hooks, which
 * keeps twenty kills within the time budget), and the sources through tsx as well.
 */
export async function childCommand(): Promise<{ bundled: string[] | null; source: string[] }> {
  const source = ['--import', 'tsx', join(repoRoot, 'test/fixtures/sync-child.ts')];
  try {
    const { build } = await import('esbuild');
    const outfile = join(repoRoot, 'node_modules/.cache/ventil-test', `sync-child-${process.pid}-${Date.now()}.mjs`);
    await build({ entryPoints: [join(repoRoot, 'test/fixtures/sync-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, packages: 'external', logLevel: 'error' });
    return { bundled: [outfile], source };
  } catch {
    return { bundled: null, source };
  }
}

/** Starts `ventil sync` against a Stripe-shaped API base; `ready` resolves once it holds the runner lock. */
export function startRunner(command: string[], dbFile: string, apiBase: string, extra: string[] = []) {
  const child = spawn(process.execPath, [
    ...command,
    '--db', dbFile, '--interval', '20', '--timeout', '300', '--backoff-base', '20', '--backoff-max', '250', '--max-attempts', '60', ...extra,
  ], {
    cwd: repoRoot,
    env: { ...process.env, VENTIL_PSP: 'stripe', VENTIL_STRIPE_SECRET_KEY: 'sk_test_faults', VENTIL_STRIPE_API_BASE: apiBase, VENTIL_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => { children.delete(child); resolve({ code, signal }); });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (stdout.includes('ready')) { clearInterval(t); resolve(); }
      if (child.exitCode !== null) { clearInterval(t); reject(new Error(`runner exited early: ${stderr}`)); }
    }, 10);
  });
  return { child, exited, ready, out: () => stdout, err: () => stderr };
}

/** Outbox rows still to send (pending, failed, in flight), and the count per status. */
export function countOpen(file: string): { open: number; rows: { status: string; n: number }[] } {
  const { db } = openDatabase({ file, readonly: true });
  try {
    const rows = db.prepare('SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status').all() as { status: string; n: number }[];
    return { open: rows.filter((r) => ['pending', 'failed', 'in_flight'].includes(r.status)).reduce((s, r) => s + r.n, 0), rows };
  } finally {
    db.close();
  }
}
