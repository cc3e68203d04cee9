// The loaders that run Ventil from its TypeScript sources (bin/register-sources.mjs): tsx resolves,
// bin/compile-hook.mjs compiles our files without esbuild's `keepNames`, which would wrap every
// named closure in a defineProperty call each time it is created (docs/performance.md).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/db.js';

const dir = mkdtempSync(join(tmpdir(), 'ventil-sources-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODULE = `import { twice } from './dep.js';
export class Counter { count = twice(1); }
export function outer(n: number) {
  const inner = (x: number): number => x * n;
  return inner;
}
export function fail(): never {
  throw new Error('from line 9');
}
`;

/** Runs a probe of the module above under the loaders, its compiled files cached in `tmp` (DIR/tmp by default). */
function probe(tmp = join(dir, 'tmp')): { outer: string; inner: string; count: number; stack: string } {
  writeFileSync(join(dir, 'probe.mjs'), `const m = await import('./module.ts');
let stack = '';
try { m.fail(); } catch (e) { stack = e.stack; }
console.log(JSON.stringify({ outer: m.outer.toString(), inner: m.outer(3).name, count: new m.Counter().count, stack }));
`);
  const out = execFileSync(process.execPath, ['--import', join(repoRoot, 'bin/register-sources.mjs'), join(dir, 'probe.mjs')], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, TMPDIR: tmp },
  });
  return JSON.parse(out);
}

describe('running the TypeScript sources', () => {
  writeFileSync(join(dir, 'dep.ts'), 'export const twice = (n: number): number => 2 * n;\n');
  writeFileSync(join(dir, 'module.ts'), MODULE);

  it('compiles our modules without wrapping named closures, which keep their names', () => {
    const r = probe();
    expect(r.outer).toContain('const inner = (x) => x * n;');
    expect(r.outer).not.toContain('__name');
    expect(r.inner).toBe('inner');
    expect(r.count).toBe(2); // `./dep.js` resolved to dep.ts (tsx), the class field set
    expect(r.stack).toMatch(/module\.ts:8:\d+/); // the source map points at the TypeScript line
  }, 60_000);

  it('keeps compiled files by their content: an edited module is compiled again', () => {
    const cache = join(dir, 'tmp', readdirSync(join(dir, 'tmp')).find((f) => f.startsWith('ventil-sources-'))!);
    const before = readdirSync(cache).filter((f) => f.endsWith('.mjs'));
    expect(before.length).toBe(2);
    expect(before.some((f) => readFileSync(join(cache, f), 'utf8').includes('const inner = (x) => x * n;'))).toBe(true);

    writeFileSync(join(dir, 'module.ts'), MODULE.replace('x * n', 'x + n'));
    expect(probe().outer).toContain('const inner = (x) => x + n;');
    const after = readdirSync(cache);
    expect(after.filter((f) => f.endsWith('.mjs')).length).toBe(3);
    expect(after.filter((f) => f.endsWith('.tmp'))).toEqual([]); // written whole, then renamed
  }, 60_000);

  it('compiles without keeping files where the temporary folder cannot be written', () => {
    const r = probe(join(dir, 'dep.ts')); // a file: no folder can be made in it
    expect(r.outer).toContain('const inner = (x) => x + n;');
    expect(r.count).toBe(2);
  }, 60_000);

  it('the command, its settlement worker and the benchmarks load the sources this way', () => {
    expect(readFileSync(join(repoRoot, 'bin/ventil.mjs'), 'utf8')).toContain("import './register-sources.mjs';");
    expect(readFileSync(join(repoRoot, 'core/api/settle-worker.mjs'), 'utf8')).toContain("import('../../bin/register-sources.mjs')");
    const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const name of ['bench', 'bench:compute', 'bench:hub', 'bench:rows']) expect(scripts[name]).toContain('--import ./bin/register-sources.mjs');
    expect(Object.values(scripts).filter((s) => /\btsx\b/.test(s))).toEqual([]);
  });
});
