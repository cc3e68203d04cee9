// The commands of one network, many installations, as written in issue 12's "done when", with
// real processes on the loopback (TLS and faults: network-faults.test.ts): `ventil hub --listen
// 127.0.0.1:PORT` runs without TLS, `ventil devices enroll --json` prints the code, `ventil join
// http://127.0.0.1:PORT --code CODE` and `ventil sync --once --db REPLICA` work, `ventil release`
// on a replica exits 2 naming the hub; TLS is required off the loopback. The desktop's database
// process (core/host) joins from the first screen and hands the device credential to the main
// process, which seals it and gives it back at the next start.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { HostClient, type HostEvent } from '../../core/host/client.js';
import { forkHost } from '../../core/host/node-port.js';
import type { DeviceCredential } from '../../core/replication/credentials.js';
import { openDatabase } from '../../core/store/database.js';
import { readReplicaState } from '../../core/store/replica-repo.js';
import { repoRoot, tempDir } from '../helpers/db.js';
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

  it('enrols, joins, syncs, and refuses the hub\'s operations on the replica with status 2', { timeout: 180_000 }, async () => {
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
    // Without options too: where releases run comes before how to call them.
    const bare = await runVentil(['release', '--db', replicaDb]);
    expect(bare.status).toBe(2);
    expect(bare.stderr).toContain(`runs on the hub (${hub.url})`);

    // The hub knows the device, active (devices list reads the same operation).
    const { db } = openDatabase({ file: hubDb });
    expect(callApi(createContext(db), 'devices.list', {})).toMatchObject({ ok: true, value: { devices: [{ id: device.id, status: 'active', scope: 'entity:LYON' }] } });
    db.close();
  });

  it('joins from the desktop\'s database process; the credential goes to the main side and comes back at the next start', async () => {
    const enrol = await runVentil(['devices', 'enroll', '--scope', 'entity:LYON', '--name', 'Laptop', '--db', hubDb, '--json']);
    expect(enrol.status, enrol.stderr).toBe(0);
    const { code, device } = JSON.parse(enrol.stdout);
    const file = join(tmp.dir, 'desktop.db');
    const sealed: (DeviceCredential | null)[] = [];
    const events: HostEvent[] = [];
    const client = new HostClient({
      spawn: forkHost(join(repoRoot, 'test/fixtures/host-child.ts'), { execArgv: ['--import', 'tsx'] }),
      // As electron/main.ts starts it: no demo unasked, background work on, no credential yet.
      config: { file, key: null, encryptPlaintext: false, seedDemo: false, background: true, device: null },
      onDeviceCredential: (c) => sealed.push(c),
      onEvent: (e) => events.push(e),
      restartDelayMs: 20,
    });
    const replicaState = () => {
      const { db } = openDatabase({ file });
      try { return readReplicaState(db); } finally { db.close(); }
    };
    const until = async (what: string, cond: () => boolean) => {
      for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 100));
      expect(cond(), what).toBe(true);
    };
    try {
      const joined = await client.call('setup.join', { url: hub.url, code }, null);
      expect(joined.result).toMatchObject({ ok: true, value: { joining: true } });
      await until('the credential reached the main side', () => sealed.length > 0);
      expect(sealed).toEqual([{ device: device.id, secret: expect.any(String) }]);
      await until('the replica is active', () => replicaState()?.status === 'active' && replicaState()?.last_contact_at !== null);

      // A new database process (after a crash) gets the credential with its start message and
      // syncs with it: its first contact with the hub comes after the restart, without error.
      const killedAt = new Date().toISOString();
      process.kill(client.pid!, 'SIGKILL');
      await until('a second database process is ready', () => events.filter((e) => e.type === 'ready').length === 2);
      await until('the restarted process reached the hub', () => (replicaState()?.last_contact_at ?? '') > killedAt);
      expect(replicaState()).toMatchObject({ status: 'active', device_id: device.id, last_error_code: null });
      expect(sealed).toHaveLength(1);
    } finally {
      await client.stop();
    }
  });

  it('requires TLS for a hub off the loopback', async () => {
    const open = await runVentil(['hub', '--listen', '0.0.0.0:0', '--db', join(tmp.dir, 'open.db')]);
    expect(open.status).toBe(2);
    expect(open.stderr).toContain('[tls_required]');
    // A replica refuses plain HTTP to a hub elsewhere than the loopback the same way (hub-api.test.ts).
  });
});
