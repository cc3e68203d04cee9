// The repository stands on its own: a clone with nothing beside it must pass its tests, so no
// tracked file may read or cite a folder outside the clone (the product's first documents now
// live in docs/spec.md, docs/design.md and docs/formats.md; the examples in test/fixtures/).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((f) => f && f !== 'package-lock.json' && !/\.(png|jpg|ico|icns|pdf)$/.test(f));

describe('the repository stands on its own', () => {
  it('no tracked file refers to a folder beside the clone', () => {
    const outside = /\.\.\/shared\b|\.\.\/\.\.\/shared\b/;
    const offenders = tracked.filter((f) => outside.test(readFileSync(join(root, f), 'utf8')));
    // This test file names the pattern it looks for, and only through a regular expression.
    expect(offenders.filter((f) => !f.endsWith('standalone.test.ts'))).toEqual([]);
  });

  it('the documents code cites are in the repository', () => {
    const cited = new Set<string>();
    for (const f of tracked.filter((f) => /\.(ts|tsx|mjs|md)$/.test(f))) {
      for (const m of readFileSync(join(root, f), 'utf8').matchAll(/\bdocs\/[\w./-]+\.md\b/g)) cited.add(m[0]);
    }
    const missing = [...cited].filter((d) => !tracked.includes(d));
    expect(missing).toEqual([]);
  });

  it('the example scenarios and their expected reports are fixtures of the repository', () => {
    for (const name of ['network-basic', 'network-varied']) {
      expect(tracked).toContain(`test/fixtures/examples/${name}.json`);
      expect(tracked).toContain(`test/fixtures/examples/${name}.settlement.json`);
    }
    expect(tracked).toContain('scripts/compare-settlement.mjs');
  });
});
