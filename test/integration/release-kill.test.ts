// A release run killed part-way, in a real child process (`ventil release`, SIGKILL from inside
// the transaction after some transfers are written), leaves nothing; running it again writes the
// whole run with the same idempotency keys as planned before the crash.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { KILL_AFTER_ENV } from '../../core/api/release-runner.js';
import { openSqliteDatabase } from '../../core/store/database.js';
import { spawnSync } from 'node:child_process';
import { repoRoot, tempDir } from '../helpers/db.js';
import { basicScenario, ok, type Json } from '../helpers/lifecycle.js';

const AS_OF = '2026-03-20T00:00:00Z';

function release(db: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/ventil.mjs'), 'release', '--as-of', AS_OF, '--db', db, '--json'], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function counts(file: string) {
  const { db } = openSqliteDatabase({ file });
  try {
    const n = (t: string) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
    const integrity = db.pragma('integrity_check', { simple: true });
    return {
      runs: n('release_runs'), transfers: n('transfers'), items: n('transfer_items'), outbox: n('outbox'), integrity,
      keys: db.prepare('SELECT idempotency_key FROM transfers ORDER BY seq').pluck().all() as string[],
      outboxKeys: db.prepare('SELECT idempotency_key FROM outbox ORDER BY id').pluck().all() as string[],
    };
  } finally {
    db.close();
  }
}

describe('a release run killed part-way', () => {
  const tmp = tempDir('ventil-kill-');
  const base = join(tmp.dir, 'base.db');
  let planned: string[] = [];
  let items = 0;

  beforeAll(() => {
    const { db } = openSqliteDatabase({ file: base });
    const ctx = createContext(db, { now: () => new Date('2026-03-20T01:00:00Z') });
    ok(callApi(ctx, 'scenario.import', { scenario: basicScenario() }));
    const preview = ok<Json>(callApi(ctx, 'release.preview', { as_of: AS_OF }));
    planned = preview.transfers.map((t: Json) => t.idempotency_key);
    items = preview.transfers.reduce((s: number, t: Json) => s + t.items, 0);
    db.close();
    expect(planned).toHaveLength(3);
  });
  afterAll(() => tmp.cleanup());

  for (const killAfter of [1, 3]) {
    it(`after ${killAfter} of 3 transfers leaves nothing, and a rerun completes it with the planned keys`, () => {
      const file = join(tmp.dir, `kill-${killAfter}.db`);
      copyFileSync(base, file);
      const killed = release(file, { [KILL_AFTER_ENV]: String(killAfter) });
      expect({ status: killed.status, signal: killed.signal }).toEqual({ status: null, signal: 'SIGKILL' });
      expect(counts(file)).toMatchObject({ runs: 0, transfers: 0, items: 0, outbox: 0, integrity: 'ok' });

      const rerun = release(file);
      expect(rerun.status).toBe(0);
      const out = JSON.parse(rerun.stdout);
      expect(out.transfers.map((t: Json) => t.idempotency_key)).toEqual(planned);
      expect(counts(file)).toMatchObject({ runs: 1, transfers: 3, items, outbox: 3, keys: planned, outboxKeys: planned, integrity: 'ok' });

      const again = release(file);
      expect(again.status).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, run: null, transfers: [] });
      expect(counts(file)).toMatchObject({ runs: 1, transfers: 3, outbox: 3 });
    });
  }
});
