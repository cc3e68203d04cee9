// Where a store's first sync spends its CPU (docs/performance.md, "The hub and its replicas"):
// the hub's read of each page (servePull), its JSON and gzip, the replica's gunzip and parse,
// the page's checks and its apply, each measured in CPU time of this process (process.cpuUsage),
// not wall time, so a loaded machine does not blur the split. In one process, without HTTP or
// TLS: the transfer itself is what bench/hub-sync.bench.ts adds. Usage:
//   npx tsx bench/first-sync.bench.ts --db HUB_FILE [--store ENTITY] [--runs N]
// HUB_FILE is a hub database built by bench/hub-sync.bench.ts --db (it is only read, except
// for the device this adds and removes).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DEFAULT_LIMITS, servePull } from '../core/replication/hub.js';
import type { WirePage } from '../core/replication/page.js';
import { applyCheckedPage, prepareReplicaSchema, validatePage } from '../core/replication/replica.js';
import { parseScope } from '../core/replication/scope.js';
import { openDatabase } from '../core/store/database.js';
import { insertDevice, schemaVersion } from '../core/store/devices-repo.js';
import { countHeldDocs, insertReplicaState, readReplicaState } from '../core/store/replica-repo.js';
import { GZIP_LEVEL } from '../core/server/http.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, store: { type: 'string' }, runs: { type: 'string', default: '3' } } });
if (!values.db) throw new Error('--db HUB_FILE is required (a hub built by bench/hub-sync.bench.ts --db)');
const { db: hub } = openDatabase({ file: values.db });
const store = values.store ?? (hub.prepare("SELECT id FROM entities WHERE kind = 'franchisee' ORDER BY id LIMIT 1").pluck().get() as string);
const scope = `entity:${store}`;
const stages = ['hub read', 'hub JSON', 'hub gzip', 'replica gunzip', 'replica JSON', 'replica checks', 'replica apply'] as const;
type Stage = (typeof stages)[number];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

function once(run: number): { cpu: Record<Stage, number>; pages: number; docs: number; gzipBytes: number } {
  const id = `bench_first_${randomBytes(4).toString('hex')}`;
  const at = new Date().toISOString();
  insertDevice(hub, {
    id, name: `bench first sync ${run}`, scope, status: 'active', code_hash: randomBytes(16).toString('hex'), code_expires_at: at, code_used_at: at,
    secret_hash: randomBytes(16).toString('hex'), created_at: at, created_by: 'bench', enrolled_at: at,
    revoked_at: null, revoked_by: null, revoke_reason: null, last_seen_at: null, last_seq: null, anchor_json: null, anchor_at: null,
  });
  const dir = mkdtempSync(join(tmpdir(), 'ventil-first-sync-'));
  const { db: replica } = openDatabase({ file: join(dir, 'store.db') });
  prepareReplicaSchema(replica);
  insertReplicaState(replica, {
    status: 'active', hub_url: 'https://hub.bench', ca_pem: null, join_code: null, device_id: id, device_name: id, scope,
    created_at: at, joined_at: at, data_as_of: null, last_contact_at: null, offline_since: null, last_error_code: null, last_error: null, revoked_at: null,
  });
  const cpu = Object.fromEntries(stages.map((s) => [s, 0])) as Record<Stage, number>;
  const timed = <T>(stage: Stage, f: () => T): T => { const t = cpuMs(); try { return f(); } finally { cpu[stage] += cpuMs() - t; } };
  const device = { id, scope: parseScope(scope)! };
  const schema = schemaVersion(replica);
  let pages = 0;
  let gzipBytes = 0;
  try {
    for (let complete = false; !complete; pages++) {
      const cursor = readReplicaState(replica)!.cursor;
      const page = timed('hub read', () => servePull(hub, device, { cursor, schema }, new Date(), DEFAULT_LIMITS));
      const text = timed('hub JSON', () => JSON.stringify({ ok: true, value: page }));
      const zipped = timed('hub gzip', () => gzipSync(text, { level: GZIP_LEVEL }));
      gzipBytes += zipped.length;
      const raw = timed('replica gunzip', () => gunzipSync(zipped));
      const wire = timed('replica JSON', () => (JSON.parse(raw.toString('utf8')) as { value: WirePage }).value);
      const checked = timed('replica checks', () => validatePage(replica, wire));
      complete = timed('replica apply', () => applyCheckedPage(replica, checked)).complete;
    }
    return { cpu, pages, docs: countHeldDocs(replica), gzipBytes };
  } finally {
    replica.close();
    rmSync(dir, { recursive: true, force: true });
    hub.prepare('DELETE FROM devices WHERE id = ?').run(id);
  }
}

const runs = Number(values.runs);
const results = Array.from({ length: runs }, (_, i) => once(i));
const mean = (f: (r: (typeof results)[number]) => number) => results.reduce((a, r) => a + f(r), 0) / results.length;
const total = mean((r) => stages.reduce((a, s) => a + r.cpu[s], 0));
console.log(`first sync of ${store}: ${results[0]!.docs} documents in ${results[0]!.pages} page(s), ${(results[0]!.gzipBytes / 1024).toFixed(0)} KiB gzip; CPU per run (mean of ${runs}) ${(total / 1000).toFixed(2)} s`);
for (const s of stages) {
  const ms = mean((r) => r.cpu[s]);
  console.log(`  ${s.padEnd(15)} ${(ms / 1000).toFixed(2).padStart(6)} s  ${((ms / total) * 100).toFixed(0).padStart(3)} %`);
}
console.log(`load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
hub.close();
