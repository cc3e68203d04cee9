// The largest legitimate HTTP call (docs/security.md, "Request bodies"): a `scenario.import`
// batch as large as HTTP_LIMITS.sessionBodyBytes allows. Measures how many demo orders fit, how
// long the server takes to read and parse such a body, and the import over HTTP against the
// same import in process (the ratio is the transport's cost); and that a 35 MB body from the
// sign-in screen is refused at once while a status call is answered.
//
//   npx tsx bench/http-body.bench.ts [--seed 3]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createContext } from '../core/api/context.js';
import { callApi } from '../core/api/index.js';
import { generateScenario } from '../core/demo/generate.js';
import { hashPassword } from '../core/security/passwords.js';
import { HTTP_LIMITS } from '../core/security/policy.js';
import { startServer } from '../core/server/http.js';
import { openDatabase } from '../core/store/database.js';
import * as users from '../core/store/users-repo.js';

const { values } = parseArgs({ options: { seed: { type: 'string', default: '3' } } });
const seed = Number(values.seed);
const ms = (t0: number) => Math.round(performance.now() - t0);
const note = (what: string, value: string) => console.log(`${what.padEnd(52)} ${value}`);
const limit = HTTP_LIMITS.sessionBodyBytes;

// The most demo orders whose import body fits the limit.
let orders = Math.floor(limit / 1500);
const importBody = (n: number) => JSON.stringify({ scenario: generateScenario({ seed, franchisees: 40, orders: n }) });
let body = importBody(orders);
while (Buffer.byteLength(body) > limit) {
  orders = Math.floor(orders * 0.97);
  body = importBody(orders);
}
note('session body limit', `${limit} bytes`);
note('demo orders in the largest import that fits', `${orders} (${Buffer.byteLength(body)} bytes, ${Math.round(Buffer.byteLength(body) / orders)} bytes/order)`);
let t0 = performance.now();
JSON.parse(body);
note('JSON.parse of that body', `${ms(t0)} ms`);

const dir = mkdtempSync(join(tmpdir(), 'ventil-bench-http-'));
try {
  const { db } = openDatabase({ file: join(dir, 'http.db') });
  users.insertUser(db, { name: 'Admin', login: 'admin', role: 'admin', regions: [], entities: [], password_hash: hashPassword('bench-password-1'), must_change_password: false, now: new Date().toISOString() });
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  const token = 'bench-run-token-0000000000000000000000000';
  const server = await startServer({ db, staticDir: dir, token, port: 0 });
  const post = (name: string, payload: string, bearer: string) => fetch(`${server.url}/api/${name}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` }, body: payload,
  }).then(async (r) => ({ status: r.status, json: await r.json() as { ok: boolean; value?: { token?: string }; error?: { code: string } } }));
  const session = (await post('auth.login', JSON.stringify({ login: 'admin', password: 'bench-password-1' }), token)).json.value!.token!;

  t0 = performance.now();
  const overHttp = await post('scenario.import', body, session);
  const httpMs = ms(t0);
  note('scenario.import over HTTP', `${httpMs} ms (status ${overHttp.status})`);

  const { db: direct } = openDatabase({ file: join(dir, 'direct.db') });
  t0 = performance.now();
  const inProcess = callApi(createContext(direct), 'scenario.import', JSON.parse(body));
  const directMs = ms(t0);
  note('the same import in process (callApi)', `${directMs} ms (${inProcess.ok ? 'ok' : inProcess.error.code})`);
  note('ratio HTTP / in process', (httpMs / directMs).toFixed(2));

  const huge = JSON.stringify({ padding: 'x'.repeat(35 * 1024 * 1024) });
  t0 = performance.now();
  const refused = post('auth.login', huge, token).catch(() => ({ status: 0 }));
  const status = await post('auth.status', '{}', token);
  note('status call during a 35 MB sign-in-screen body', `${ms(t0)} ms (status ${status.status})`);
  note('the 35 MB body', `answered ${(await refused).status} after ${ms(t0)} ms`);
  await server.close();
  db.close();
  direct.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
