// The commands of one network, many installations, as written in issue 12's "done when", with
// real processes on the loopback (TLS and faults: network-faults.test.ts): `ventil hub --listen
// 127.0.0.1:PORT` runs without TLS, `ventil devices enroll --json` prints the code, `ventil join
// http://127.0.0.1:PORT --code CODE` and `ventil sync --once --db REPLICA` work, `ventil release`
// on a replica exits 2 naming the hub; TLS is required off the loopback.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { openDatabase } from '../../core/store/database.js';
import { tempDir } from '../helpers/db.js';
import { basicScenario, ok } from '../helpers/lifecycle.js';
import { runVentil, startVentil, type Running } from '../helpers/processes.js';

describe('ventil hub, devices, join and sync on the loopback', () => {
  const tmp = tempDir('ventil-hub-cli-');
  const hubDb = join(tmp.dir, 'hub.db');
  const replicaDb = join(tmp.dir, 'store.db');
  let hub: Running;

  beforeAll(async () => {
    const { db } = openDatabase({ file: hubDb });
    ok(callApi(createContext(db, { now: () => new Date('2026-03-20T00:00:00Z') }), 'scenario.import', { scenario: basicScenario() }));
    db.close();
    hub = await startVentil(['hub', '--listen', '127.0.0.1:0', '--db', hubDb]);
  });
  afterAll(async () => {
    await hub?.stop();
    tmp.cleanup();
  });

  it('enrols, joins, syncs, and refuses the hub\'s operations on the replica with status 2', async () => {
    expect(hub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const enrol = await runVentil(['devices', 'enroll', '--scope', 'entity:LYON', '--name', 'PC Lyon', '--db', hubDb, '--json']);
    expect(enrol.status, enrol.stderr).toBe(0);
    const { code, device } = JSON.parse(enrol.stdout);
    expect(code).toMatch(/^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);

    const join1 = await runVentil(['join', hub.url, '--code', code, '--db', replicaDb]);
    expect(join1.status, join1.stderr + join1.stdout).toBe(0);
    expect(join1.stdout).toContain('scope entity:LYON');
    // The credential sits next to the database, readable by its owner only.
    expect(existsSync(`${replicaDb}.device`)).toBe(true);
    expect(statSync(`${replicaDb}.device`).mode & 0o077).toBe(0);

    const sync = await runVentil(['sync', '--once', '--db', replicaDb, '--json']);
    expect(sync.status, sync.stderr).toBe(0);
    expect(JSON.parse(sync.stdout)).toMatchObject({ ok: true, complete: true, offline: false });

    const release = await runVentil(['release', '--as-of', '2026-03-20T00:00:00Z', '--db', replicaDb]);
    expect(release.status).toBe(2);
    expect(release.stderr).toContain(hub.url);
    expect(release.stderr).toContain('[hub_only]');

    // The hub knows the device, active (devices list reads the same operation).
    const { db } = openDatabase({ file: hubDb });
    expect(callApi(createContext(db), 'devices.list', {})).toMatchObject({ ok: true, value: { devices: [{ id: device.id, status: 'active', scope: 'entity:LYON' }] } });
    db.close();
  });

  it('requires TLS for a hub off the loopback', async () => {
    const open = await runVentil(['hub', '--listen', '0.0.0.0:0', '--db', join(tmp.dir, 'open.db')]);
    expect(open.status).toBe(2);
    expect(open.stderr).toContain('[tls_required]');
    // A replica refuses plain HTTP to a hub elsewhere than the loopback the same way (hub-api.test.ts).
  });
});
