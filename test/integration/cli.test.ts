import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../core/cli/main.js';
import { ventil } from '../helpers/cli.js';
import { openSqlite } from '../../core/store/sqlite.js';
import { commands } from '../../core/cli/commands/index.js';
import { exampleFile, tempDir, writeBrokenExample } from '../helpers/db.js';
import { DEMO_OPTIONS } from '../../core/demo/seed.js';
import { DEMO_OFFER_AGES_HOURS } from '../../core/demo/back-office.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('ventil command', () => {
  it('imports a scenario, and a second import changes nothing', () => {
    const db = join(tmp.dir, 'x.db');
    const first = ventil(['import', exampleFile('network-basic.json'), '--db', db]);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/imported .*network-basic\.json/);
    expect(first.stdout).toMatch(/orders +5 added, 0 unchanged/);
    const second = ventil(['import', exampleFile('network-basic.json'), '--db', db]);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/already imported, nothing changed/);
  });

  it('refuses a broken file with status 2 and names every problem', () => {
    const file = writeBrokenExample(tmp.dir);
    const db = join(tmp.dir, 'broken.db');
    const r = ventil(['import', file, '--db', db]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/rules\[0\]\.legs\[0\]\.rate/);
    expect(r.stderr).toMatch(/orders\[1\]\.lines\[0\]\.candidates/);
    expect(r.stderr).toMatch(/orders\[2\]\.payments/);
    const json = ventil(['import', file, '--db', db, '--json']);
    expect(json.status).toBe(2);
    const out = JSON.parse(json.stdout);
    expect(out.ok).toBe(false);
    expect(out.error.issues.length).toBeGreaterThanOrEqual(3);
    const raw = openSqlite(db, { readonly: true });
    expect(raw.prepare('SELECT (SELECT count(*) FROM entities) + (SELECT count(*) FROM orders) AS n').get()).toEqual({ n: 0 });
    raw.close();
  });

  it('uses VENTIL_DB when --db is absent', () => {
    const db = join(tmp.dir, 'env.db');
    expect(ventil(['init'], { VENTIL_DB: db }).stdout).toContain(db);
  });

  it('reads an unreadable or non-JSON file as bad input', () => {
    expect(ventil(['import', join(tmp.dir, 'missing.json'), '--db', join(tmp.dir, 'm.db')]).status).toBe(2);
    const file = join(tmp.dir, 'bad.json');
    writeFileSync(file, '{ nope');
    const r = ventil(['import', file, '--db', join(tmp.dir, 'm.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
  });

  it('has --help on every subcommand', async () => {
    const overview = ventil(['--help']);
    expect(overview.status).toBe(0);
    expect(ventil(['import', '--help']).stdout).toMatch(/^Usage: ventil import/);
    // The others in-process: one process per command would cost seconds each.
    const printed: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((text: string) => { printed.push(text); });
    try {
      for (const c of commands) {
        expect(overview.stdout).toContain(c.name);
        printed.length = 0;
        expect(await main([c.name, '--help'])).toBe(0);
        expect(printed.join('\n')).toMatch(new RegExp(`^Usage: ventil ${c.name}`));
      }
    } finally {
      log.mockRestore();
    }
  });

  it('creates the demo and refuses to mix it into another network', () => {
    const db = join(tmp.dir, 'demo.db');
    const r = ventil(['demo', '--db', db, '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.demo).toBe(true);
    // The generated orders, and the web orders waiting in the first store's inbox.
    expect(out.summary.orders).toBe(DEMO_OPTIONS.orders + DEMO_OFFER_AGES_HOURS.length);
    const other = join(tmp.dir, 'real.db');
    ventil(['import', exampleFile('network-basic.json'), '--db', other]);
    expect(ventil(['demo', '--db', other]).status).toBe(1);
  });
});
