// The desktop's main process holds no database (issue 17): the store, the API, the routing
// scheduler and the outbox runner run in the database process (core/host, a utilityProcess).
// Checked on the sources (what electron/main.ts loads, import by import) and on the bundle
// electron-vite builds (out/main: index.js and its chunks, beside db-process.js).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');

/** Modules a file loads at run time (not `import type`), relative ones resolved to .ts files. */
function runtimeImports(file: string): { local: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    else packages.push(spec);
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1]!;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    else packages.push(spec);
  }
  return { local, packages };
}

function graph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (modules.has(f)) continue;
    modules.add(f);
    const { local, packages: p } = runtimeImports(f);
    for (const x of p) packages.add(x);
    todo.push(...local.filter((x) => existsSync(x)));
  }
  return { modules, packages };
}

const DATABASE_PACKAGES = ['better-sqlite3-multiple-ciphers', 'kysely'];
const DATABASE_MODULES = /^(core\/(store|api|sync|demo|adapters)\/|core\/host\/(service|calls)\.ts$|migrations\/)/;

describe('the desktop main process holds no database', () => {
  it('loads no store, API, sync or SQLite module (from electron/main.ts, import by import)', () => {
    const main = graph(join(root, 'electron/main.ts'));
    const names = [...main.modules].map((m) => relative(root, m));
    expect(names).toContain('core/host/client.ts');
    expect(names.filter((m) => DATABASE_MODULES.test(m))).toEqual([]);
    expect([...main.packages].filter((p) => DATABASE_PACKAGES.includes(p))).toEqual([]);
    // The check can fail: the database process's entry does load them.
    const host = graph(join(root, 'electron/db-process.ts'));
    expect([...host.modules].map((m) => relative(root, m))).toContain('core/store/database.ts');
  });

  const built = join(root, 'out/main/index.js');
  const reason = existsSync(built) ? null : 'out/main is not built (npm run build)';
  if (reason) console.warn(`the bundle check is not run: ${reason}`);
  it.skipIf(reason !== null)('bundles the database process and the settlement worker as their own entries, SQLite only in the first', () => {
    const bundleGraph = (entry: string) => {
      const seen = new Set<string>();
      const packages = new Set<string>();
      const todo = [join(root, 'out/main', entry)];
      while (todo.length) {
        const f = todo.pop()!;
        if (seen.has(f)) continue;
        seen.add(f);
        for (const m of readFileSync(f, 'utf8').matchAll(/\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)) {
          const spec = (m[1] ?? m[2])!;
          if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec));
          else packages.add(spec);
        }
      }
      return packages;
    };
    expect(existsSync(join(root, 'out/main/db-process.js'))).toBe(true);
    expect(existsSync(join(root, 'out/main/settle-worker.js'))).toBe(true);
    expect([...bundleGraph('index.js')].filter((p) => DATABASE_PACKAGES.includes(p))).toEqual([]);
    expect([...bundleGraph('db-process.js')]).toContain('better-sqlite3-multiple-ciphers');
  });
});
