// Module loader hook (registered by register-sources.mjs, after tsx, so it runs first): compiles
// Ventil's own TypeScript files with esbuild as tsx does, but without `keepNames`. tsx forces
// that option, which wraps every named function in an `Object.defineProperty` call each time it
// is created: closures made per order line cost the settlement worker up to a tenth of its
// computation (docs/performance.md, fifth and sixth sessions of 2026-12-04). Names need no help
// here: esbuild does not rename when it only compiles one file, and JavaScript names a function
// after the binding it is assigned to.
// Everything else (resolving `./x.js` to `./x.ts`, packages, CommonJS) is left to tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { transform, version } from 'esbuild';

const LOADERS = { '.ts': 'ts', '.mts': 'ts', '.tsx': 'tsx' };

/** The esbuild loader for a URL this hook compiles, or null to pass it on. */
function loaderOf(url) {
  if (!url.startsWith('file:') || url.includes('?') || url.includes('/node_modules/')) return null;
  const ext = /\.[^./]+$/.exec(url)?.[0];
  return (ext && LOADERS[ext]) ?? null;
}

/**
 * Compiled files, kept by the hash of what they depend on (as tsx keeps its own): a process then
 * starts without compiling the two hundred modules again. A file is written whole, then renamed,
 * so processes starting together never read half of one. Per user where users share the folder
 * (Windows gives each its own). Where the folder cannot be written, every start compiles.
 */
const CACHE = join(tmpdir(), `ventil-sources-${process.getuid?.() ?? 'user'}`);
let caching = true;
try {
  mkdirSync(CACHE, { recursive: true });
} catch {
  caching = false;
}

export async function load(url, context, nextLoad) {
  const loader = loaderOf(url);
  if (loader === null) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const options = { loader, format: 'esm', target: `node${process.versions.node}`, sourcemap: 'inline', sourcefile: file };
  const cached = join(CACHE, `${createHash('sha256').update(JSON.stringify([version, options])).update(source).digest('hex')}.mjs`);
  if (caching) {
    try {
      return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
    } catch {
      // not compiled yet
    }
  }
  const { code } = await transform(source, options);
  if (caching) {
    const partial = `${cached}.${process.pid}-${threadId}.tmp`;
    try {
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      rmSync(partial, { force: true }); // a full disk: the next start compiles again
    }
  }
  return { format: 'module', source: code, shortCircuit: true };
}
