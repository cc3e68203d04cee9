// What a call costs through the desktop's database process (core/host: a message each way,
// structured clone) against the same call in the caller's process, on the demo database:
// a small answer (auth.me) and a large one (orders.list, the demo's orders). Ratios measured in
// one run; the child is a Node process with the same service as Electron's utilityProcess.
// Run: npx tsx bench/host-call.bench.ts [calls=300]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { answerCall } from '../core/host/calls.js';
import { HostClient } from '../core/host/client.js';
import { forkHost } from '../core/host/node-port.js';
import { openDatabase } from '../core/store/database.js';

const calls = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'ventil-bench-'));
const file = join(dir, 'demo.db');
const root = fileURLToPath(new URL('..', import.meta.url));

const host = new HostClient({
  spawn: forkHost(join(root, 'core/host/node-entry.ts'), { execArgv: ['--import', 'tsx'] }),
  config: { file, key: null, encryptPlaintext: false, seedDemo: true, background: false },
});
const login = await host.call('auth.login', { login: 'admin', password: 'demo-admin-2026' }, null);
if (!login.result.ok) throw new Error(login.result.error.message);
const token = (login.result.value as { token: string }).token;
const { db } = openDatabase({ file, key: null });

async function time(label: string, run: () => Promise<unknown>): Promise<number> {
  await run();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await run();
  const ms = (performance.now() - t0) / calls;
  console.log(`${label.padEnd(42)} ${ms.toFixed(2)} ms/call`);
  return ms;
}

for (const [name, input] of [['auth.me', {}], ['orders.list', {}]] as const) {
  const local = await time(`${name} in process`, async () => answerCall(db, { id: randomUUID(), name, input, token }));
  const remote = await time(`${name} through the database process`, () => host.call(name, input, token));
  console.log(`${name}: ratio ${(remote / local).toFixed(2)}`);
}
db.close();
await host.stop();
rmSync(dir, { recursive: true, force: true });
