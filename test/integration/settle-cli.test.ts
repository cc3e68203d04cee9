// `ventil settle` on the example scenarios, checked with scripts/compare-settlement.mjs, exactly as
// docs/formats.md describes: the command's JSON report must match the expected report.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ventil } from '../helpers/cli.js';
import { exampleFile, readExample, repoRoot, tempDir } from '../helpers/db.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('ventil settle', () => {
  for (const [name, asOf] of [['network-basic', '2026-03-20T00:00:00Z'], ['network-varied', '2026-04-01T00:00:00Z']] as const) {
    it(`matches ${name}.settlement.json per compare-settlement.mjs, byte for byte on a second run`, () => {
      const first = ventil(['settle', exampleFile(`${name}.json`), '--as-of', asOf, '--json']);
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      const actual = join(tmp.dir, `${name}.json`);
      writeFileSync(actual, first.stdout);
      const cmp = spawnSync(process.execPath, [join(repoRoot, 'scripts/compare-settlement.mjs'), exampleFile(`${name}.settlement.json`), actual], { encoding: 'utf8' });
      expect(cmp.stdout.trim()).toBe('settlement matches');
      expect(cmp.status).toBe(0);
      expect(ventil(['settle', exampleFile(`${name}.json`), '--as-of', asOf, '--json']).stdout).toBe(first.stdout);
    });
  }

  it('prints readable tables without --json', () => {
    const r = ventil(['settle', exampleFile('network-basic.json'), '--as-of', '2026-03-20T00:00:00Z']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/W-1001/);
    expect(r.stdout).toMatch(/118[.,]44/); // HQ's payout on W-1001, 11844 cents
  });

  it('refuses bad input with status 2, naming each problem', () => {
    const broken = readExample('network-basic.json');
    broken.rules[1].legs[0].rate = '-0.08';
    broken.events.push({ type: 'line_returned', order: 'W-1001', line: '1', quantity: 5, at: '2026-03-10T00:00:00Z' });
    broken.events.push({ type: 'line_teleported', order: 'W-1001', line: '1', at: '2026-03-10T00:00:00Z' });
    const file = join(tmp.dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const r = ventil(['settle', file, '--json']);
    expect(r.status).toBe(2);
    const paths = JSON.parse(r.stdout).error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/^rules\[1\]\.legs\[0\]\.rate/), expect.stringMatching(/^events\[18\]/), expect.stringMatching(/^events\[19\]/)]));
    expect(ventil(['settle', exampleFile('network-basic.json'), '--as-of', 'yesterday']).status).toBe(2);
  });
});
