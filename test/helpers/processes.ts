// Long-running `ventil` processes for tests (a hub, a replica's sync service): started, awaited
// until they print `ready URL`, stopped or killed. Each is killed when the test file ends.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { repoRoot } from './db.js';

let bundled: Promise<string> | null = null;

/**
 * The `ventil` command bundled into one file (out/test-cli/PID/, removed by nothing: out/ is the
 * build folder). The same sources as bin/ventil.mjs, but a process starts in a third of the time
 * without tsx compiling each module: the crash tests start fifty of them.
 */
export function bundledVentil(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(repoRoot, 'out', 'test-cli', String(process.pid));
    mkdirSync(dir, { recursive: true });
    await build({ entryPoints: [join(repoRoot, 'core/cli/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: join(dir, 'main.mjs'), packages: 'external', logLevel: 'error' });
    const entry = join(dir, 'ventil.mjs');
    writeFileSync(entry, "const { main } = await import('./main.mjs');\nprocess.exitCode = await main(process.argv.slice(2));\n");
    return entry;
  })();
  return bundled;
}

/** The script a `ventil` process runs: bin/ventil.mjs (tsx), or the bundle. */
export const ventilEntry = (bundle?: string) => bundle ?? join(repoRoot, 'bin/ventil.mjs');

export interface Running {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves with the exit code or signal once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => { for (const c of children) c.kill('SIGKILL'); });

/** Starts `ventil ARGS` and waits for `ready URL` on its standard output. */
export function startVentil(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000, bundle?: string): Promise<Running> {
  const child = spawn(process.execPath, [ventilEntry(bundle), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => { children.delete(child); resolve({ code, signal }); });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`ventil ${args.join(' ')} did not get ready:\n${out}`)); }, timeoutMs);
    const onData = () => {
      const m = /^ready (\S+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        child, url: m[1]!, output: () => out, exited,
        stop: (signal = 'SIGTERM') => { child.kill(signal); return exited; },
      });
    };
    child.stdout!.on('data', onData);
    void exited.then((e) => { clearTimeout(timer); reject(new Error(`ventil ${args.join(' ')} exited (${e.code ?? e.signal}) before it was ready:\n${out}`)); });
  });
}

/** Runs `ventil ARGS` to completion (asynchronously, so a hub in this process keeps serving). */
export function runVentil(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000, bundle?: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [ventilEntry(bundle), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => child.once('exit', (status, signal) => {
    clearTimeout(timer);
    children.delete(child);
    resolve({ status, signal, stdout, stderr });
  }));
}

/**
 * A certificate authority made for the test, and a server certificate it signed for
 * 127.0.0.1 and localhost (openssl).
 */
export function makeTestCa(dir: string): { ca: string; cert: string; key: string } {
  const p = (f: string) => join(dir, f);
  const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=Ventil test CA');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('hub.key'), '-out', p('hub.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(p('hub.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', p('hub.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('hub.pem'), '-days', '2', '-extfile', p('hub.ext'));
  return { ca: p('ca.pem'), cert: p('hub.pem'), key: p('hub.key') };
}
