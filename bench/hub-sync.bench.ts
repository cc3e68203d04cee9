// The hub serving its replicas (docs/performance.md, "The hub and its replicas"): a hub process
// (`ventil hub`, HTTPS with a CA made here) holding N orders (default 100,000) and R store
// replicas (default 500, one store each) pulling once a minute, simulated from this process
// over real HTTPS connections. Measures the pull latency (p50, p99), the bytes of an idle pull
// and of a pull after 1,000 orders changed, a store's first sync (time and size), and the share
// of a core the hub process spends. Usage:
//   npx tsx bench/hub-sync.bench.ts [--orders N] [--replicas R] [--minutes M] [--db FILE] [--first-syncs N]
// --minutes 0 measures the first sync only; --first-syncs N repeats it (median and minimum).
// --db keeps the hub's database (built on the first run, about as long as `npm run bench` for N
// orders) and reuses it: the runs then only measure the sync.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateScenario } from '../core/demo/generate.js';
import { validateScenario, type Scenario } from '../core/domain/scenario.js';
import { eventsByOrder } from '../core/domain/settle.js';
import { settleStoredOrders } from '../core/api/settlement-runner.js';
import { intakeEvents } from '../core/api/event-intake.js';
import { hubClient } from '../core/replication/client.js';
import { encodeCursor } from '../core/replication/cursor.js';
import { enrolDevice, redeemCode } from '../core/replication/devices.js';
import { deviceTags, tagsHash } from '../core/replication/tags.js';
import { joinNetwork, syncOnce } from '../core/replication/sync.js';
import { deviceToken, sealedCredentialStore } from '../core/replication/credentials.js';
import { importScenario } from '../core/store/scenario-repo.js';
import { openDatabase } from '../core/store/database.js';
import { ensureChangeLog } from '../core/store/change-triggers.js';
import { headSeq, sealChanges } from '../core/store/change-log-repo.js';
import { countHeldDocs } from '../core/store/replica-repo.js';
import { schemaVersion } from '../core/store/devices-repo.js';

const { values } = parseArgs({ options: {
  orders: { type: 'string', default: '100000' }, replicas: { type: 'string', default: '500' }, minutes: { type: 'string', default: '1' },
  db: { type: 'string' }, changed: { type: 'string', default: '1000' }, 'first-syncs': { type: 'string', default: '1' },
} });
const FIRST_SYNCS = Number(values['first-syncs']);
const ORDERS = Number(values.orders);
const REPLICAS = Number(values.replicas);
const MINUTE_MS = 60_000;
const MINUTES = Number(values.minutes);
const CHANGED = Number(values.changed);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'ventil-hub-bench-'));
const hubFile = values.db ? resolve(values.db) : join(dir, 'hub.db');
const log = (m: string) => process.stdout.write(`${m}\n`);
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const FIRST = '2026-11-20T00:00:00Z';
const LATER = '2026-12-31T00:00:00Z';
const CHANGE_AT = '2026-11-21T00:00:00Z';
const scenarioAt = (until: string) => generateScenario({ seed: 7, franchisees: REPLICAS, orders: ORDERS, from: '2026-01-05', to: '2026-11-10', eventsUntil: until });

// ---- The hub's database ---------------------------------------------------------------------
if (!existsSync(hubFile)) {
  let t = performance.now();
  const checked = validateScenario(scenarioAt(FIRST));
  if (!checked.ok) throw new Error('the generated scenario is invalid');
  const { db } = openDatabase({ file: hubFile });
  db.transaction(() => { importScenario(db, checked.scenario, new Date().toISOString()); })();
  const byOrder = eventsByOrder(checked.scenario.events);
  const preloaded = new Map(checked.scenario.orders.map((order) => [order.id, { order, events: byOrder.get(order.id) ?? [] }]));
  const r = settleStoredOrders(db, { now: new Date(FIRST), reason: 'bench', batchSize: 5000, preloaded });
  log(`hub: imported, settled and posted ${ORDERS.toLocaleString('en-US')} orders (${r.lines.toLocaleString('en-US')} lines) in ${seconds(t).toFixed(0)} s`);
  t = performance.now();
  ensureChangeLog(db);
  const sealed = sealChanges(db).sealed;
  log(`hub: change log enabled, ${sealed.toLocaleString('en-US')} documents sealed in ${seconds(t).toFixed(1)} s`);
  db.close();
}
const { db: hub } = openDatabase({ file: hubFile });
ensureChangeLog(hub);
sealChanges(hub);
const stats = hub.prepare('SELECT (SELECT count(*) FROM orders) AS orders, (SELECT count(*) FROM change_log) AS log_rows, (SELECT count(DISTINCT kind || key) FROM change_log) AS docs').get() as { orders: number; log_rows: number; docs: number };
log(`hub: ${stats.orders.toLocaleString('en-US')} orders, ${stats.docs.toLocaleString('en-US')} documents, ${stats.log_rows.toLocaleString('en-US')} change-log rows, head ${headSeq(hub)}`);

// ---- Devices: one per store, enrolled directly in the hub's database -------------------------
hub.prepare("DELETE FROM devices WHERE name LIKE 'bench %'").run();
const stores = hub.prepare("SELECT id FROM entities WHERE kind = 'franchisee' ORDER BY id LIMIT ?").pluck().all(REPLICAS) as string[];
const now = new Date();
const schema = schemaVersion(hub);
const devices = hub.transaction(() => stores.map((entity) => {
  const { device, code } = enrolDevice(hub, { scope: `entity:${entity}`, name: `bench ${entity}` }, 'bench', now);
  const { secret } = redeemCode(hub, { code, schema }, now);
  return { id: device.id, entity, token: deviceToken(device.id, secret), code };
}))();
log(`enrolled ${devices.length} devices`);

// ---- The hub process, over HTTPS ---------------------------------------------------------------
const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench CA');
ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'hub.key', '-out', 'hub.csr', '-subj', '/CN=127.0.0.1');
writeFileSync(join(dir, 'hub.ext'), 'subjectAltName=IP:127.0.0.1\n');
ssl('x509', '-req', '-in', 'hub.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'hub.pem', '-days', '2', '-extfile', 'hub.ext');
const ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
const child = spawn(process.execPath, [join(root, 'bin/ventil.mjs'), 'hub', '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'hub.pem'), '--tls-key', join(dir, 'hub.key'), '--db', hubFile],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((res, rej) => {
  let out = '';
  child.stdout!.on('data', (d) => { out += d; const m = /^ready (\S+)$/m.exec(out); if (m) res(m[1]!); });
  child.once('exit', (c) => rej(new Error(`the hub exited (${c}): ${out}`)));
});
log(`hub process ${child.pid} ready at ${url}`);
// The hub process goes with this one, even when a measurement fails.
process.once('exit', () => child.kill('SIGTERM'));
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
};

// ---- A store's first sync (--first-syncs N: N times, each into a new replica database) --------------
{
  const times: number[] = [];
  for (let run = 1; run <= FIRST_SYNCS; run++) {
    const fresh = enrolDevice(hub, { scope: `entity:${stores[0]}`, name: `bench first sync ${run}` }, 'bench', now);
    const file = join(dir, `store-${run}.db`);
    const { db: replica } = openDatabase({ file });
    let box: string | null = null;
    const credentials = sealedCredentialStore('memory', { read: () => box, write: (x) => { box = x; }, remove: () => { box = null; } });
    const t = performance.now();
    await joinNetwork(replica, { url, code: fresh.code, ca }, { credentials });
    const r = await syncOnce(replica, { credentials });
    times.push(seconds(t));
    log(`first sync of store ${stores[0]}: ${r.written} documents in ${r.pages} page(s), ${seconds(t).toFixed(2)} s, ${(r.bytes.received / 1024).toFixed(0)} KiB received (gzip), ${countHeldDocs(replica)} documents held`);
    replica.close();
    rmSync(file, { force: true });
  }
  if (FIRST_SYNCS > 1) log(`first sync: median ${pct(times, 50).toFixed(2)} s, min ${Math.min(...times).toFixed(2)} s over ${FIRST_SYNCS} runs; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}
if (MINUTES === 0) {
  child.kill('SIGTERM');
  hub.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

// ---- 500 replicas pulling once a minute ------------------------------------------------------------
interface Pull { ms: number; sent: number; received: number; docs: number }
let retries = 0;
const cursors = new Map(devices.map((d) => [d.id, encodeCursor({ seq: headSeq(hub), scope: tagsHash(deviceTags({ kind: 'entity', entity: d.entity }, [d.entity], d.id)) })]));
const clients = new Map(devices.map((d) => [d.id, hubClient({ url, ca, token: d.token })]));

async function pullOnce(d: (typeof devices)[number]): Promise<Pull> {
  const client = clients.get(d.id)!;
  const before = { ...client.bytes };
  const t = performance.now();
  let docs = 0;
  for (let retried = false; ;) {
    let page: { cursor: string; complete: boolean; docs: unknown[] };
    try {
      page = await client.call<{ cursor: string; complete: boolean; docs: unknown[] }>('replication.pull', { cursor: cursors.get(d.id)!, schema });
    } catch (e) {
      // A kept-alive connection the hub had closed: a replica tries again at its next pull; here, at once.
      if (retried || !(e as { offline?: boolean }).offline) throw e;
      retried = true;
      retries++;
      continue;
    }
    cursors.set(d.id, page.cursor);
    docs += page.docs.length;
    if (page.complete) break;
  }
  return { ms: performance.now() - t, sent: client.bytes.sent - before.sent, received: client.bytes.received - before.received, docs };
}

/** Every device pulls once in each minute, at its own offset within the minute. */
async function minutes(n: number, label: string): Promise<{ pulls: Pull[]; cpu: number; wall: number }> {
  const offsets = devices.map((_, i) => (i / devices.length) * MINUTE_MS);
  const pulls: Pull[] = [];
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const running: Promise<void>[] = [];
  for (let m = 0; m < n; m++) {
    for (let i = 0; i < devices.length; i++) {
      const due = t0 + m * MINUTE_MS + offsets[i]!;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      running.push(pullOnce(devices[i]!).then((p) => { pulls.push(p); }));
    }
  }
  await Promise.all(running);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  report(label, pulls, cpu, wall);
  return { pulls, cpu, wall };
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

function report(label: string, pulls: Pull[], cpu: number, wall: number) {
  const ms = pulls.map((p) => p.ms);
  const bytes = pulls.map((p) => p.sent + p.received);
  const docs = pulls.reduce((a, p) => a + p.docs, 0);
  log(`${label}: ${pulls.length} pulls, latency p50 ${pct(ms, 50).toFixed(1)} ms, p99 ${pct(ms, 99).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms; ` +
    `bytes per pull (bodies, both ways) mean ${Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length)}, p99 ${pct(bytes, 99)}, max ${Math.max(...bytes)}; ` +
    `${docs} documents; hub CPU ${cpu.toFixed(1)} s over ${wall.toFixed(0)} s = ${((cpu / wall) * 100).toFixed(1)} % of one core`);
}

await minutes(MINUTES, 'idle');

// ---- 1,000 orders change on the hub (a line of each is returned), then another minute ----------------
{
  // Returns of delivered lines, latest deliveries first, for orders that have had none here yet
  // (a rerun with --db picks other orders): each order is re-settled and posted.
  const base = scenarioAt(FIRST) as unknown as Scenario;
  const returnedHere = new Set(hub.prepare("SELECT DISTINCT order_id FROM events WHERE type = 'line_returned'").pluck().all() as string[]);
  const fulfiller = new Map<string, string>();
  for (const e of base.events) if (e.type === 'fulfilment_accepted') fulfiller.set(`${e.order}/${e.line}`, (e as { location: string }).location);
  const returns: Record<string, unknown>[] = [];
  for (const e of [...base.events].reverse()) {
    if ((e.type !== 'line_delivered' && e.type !== 'line_collected') || returnedHere.has(e.order)) continue;
    const location = fulfiller.get(`${e.order}/${e.line}`);
    if (!location) continue;
    returnedHere.add(e.order);
    returns.push({ type: 'line_returned', order: e.order, line: e.line, quantity: 1, location, at: CHANGE_AT });
    if (returns.length === CHANGED) break;
  }
  const t = performance.now();
  intakeEvents(hub, { events: returns }, { now: new Date(LATER), source: 'bench', actor: 'bench' });
  log(`hub: ${returns.length} orders changed (a line returned; re-settled and posted) in ${seconds(t).toFixed(1)} s`);
  // This process was busy meanwhile: let its idle connections see that the hub closed them.
  await new Promise((r) => setTimeout(r, 1000));
}
const changed = await minutes(1, `after ${CHANGED} orders changed`);
const withChanges = changed.pulls.filter((p) => p.docs > 0);
if (withChanges.length > 0) {
  const b = withChanges.map((p) => p.sent + p.received);
  log(`  the ${withChanges.length} pulls that brought changes: mean ${Math.round(b.reduce((x, y) => x + y, 0) / b.length)} bytes, max ${Math.max(...b)}, ${withChanges.reduce((a, p) => a + p.docs, 0)} documents`);
}
await minutes(1, 'idle again');
log(`pulls retried after a closed connection: ${retries}`);

child.kill('SIGTERM');
hub.close();
if (!values.db) rmSync(dir, { recursive: true, force: true });
else rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
