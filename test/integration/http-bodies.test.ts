// Request bodies over HTTP (issue 16, item 12): a 35 MB object used to be read and parsed before
// sign-in. Now the run token's calls (the sign-in screen) may send a few KB, a session the
// largest legitimate call (HTTP_LIMITS), and a body past its limit is refused without being read
// or parsed, while the server keeps answering.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../core/api/context.js';
import { callApi } from '../../core/api/index.js';
import { hashPassword } from '../../core/security/passwords.js';
import { HTTP_LIMITS } from '../../core/security/policy.js';
import { startServer, type RunningServer } from '../../core/server/http.js';
import * as users from '../../core/store/users-repo.js';
import { memoryDb, readExample } from '../helpers/db.js';

const RUN_TOKEN = 'run-token-of-the-http-bodies-test-000000';
let server: RunningServer;
let staticDir: string;
let session: string;

beforeAll(async () => {
  const db = memoryDb();
  const r = callApi(createContext(db), 'scenario.import', { scenario: readExample('network-basic.json') });
  if (!r.ok) throw new Error(r.error.message);
  users.insertUser(db, { name: 'Admin', login: 'admin', role: 'admin', regions: [], entities: [], password_hash: hashPassword('admin-password-right', { N: 2 ** 10, r: 8, p: 1 }), must_change_password: false, now: new Date().toISOString() });
  staticDir = mkdtempSync(join(tmpdir(), 'ventil-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Ventil</title>');
  server = await startServer({ db, staticDir, token: RUN_TOKEN, port: 0 });
  const signedIn = await post('auth.login', JSON.stringify({ login: 'admin', password: 'admin-password-right' }), RUN_TOKEN);
  session = (JSON.parse(signedIn.body) as { value: { token: string } }).value.token;
});
afterAll(async () => {
  await server?.close();
  rmSync(staticDir, { recursive: true, force: true });
});

/** A raw POST: the body as given, with or without Content-Length (chunked), and the answer. */
function post(name: string, body: string | Buffer, token: string, opts: { chunked?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
    if (!opts.chunked) headers['Content-Length'] = Buffer.byteLength(body);
    const req = request({ host: u.hostname, port: u.port, path: `/api/${name}`, method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    // The server may close the connection while the rest of a refused body is still being sent.
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'EPIPE' || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    if (opts.chunked) {
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < Buffer.byteLength(body)) {
          sent += chunk.length;
          if (!req.write(chunk)) { req.once('drain', more); return; }
        }
        req.end();
      };
      req.write('{"padding":"');
      more();
    } else {
      req.end(body);
    }
  });
}

const filler = (bytes: number) => JSON.stringify({ padding: 'x'.repeat(bytes) });

describe('item 12: request bodies are limited by who sends them', () => {
  it('refuses a sign-in-screen body over a few KB, and takes one under it', async () => {
    const small = await post('auth.status', filler(HTTP_LIMITS.anonymousBodyBytes - 100), RUN_TOKEN);
    expect(small.status).toBe(400); // read and parsed: an unknown field
    expect(JSON.parse(small.body)).toMatchObject({ error: { code: 'invalid_input' } });
    const over = await post('auth.status', filler(HTTP_LIMITS.anonymousBodyBytes + 1), RUN_TOKEN);
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toMatchObject({ ok: false, error: { code: 'too_large' } });
  });

  it('reads the largest call before sign-in: the first start\'s join with a 20,000-character CA', async () => {
    const ca = `-----BEGIN CERTIFICATE-----\n${'A'.repeat(63)}\n`.repeat(300).slice(0, 20_000);
    const join = await post('setup.join', JSON.stringify({ url: 'https://hub.example:8443', code: 'ABCD-EFGH', ca }), RUN_TOKEN);
    // Read and answered by the operation (this database is not empty), not refused for its size.
    expect(join.status).toBe(400);
    expect(JSON.parse(join.body)).toMatchObject({ ok: false, error: { code: 'not_empty' } });
  });

  it('refuses a 35 MB object from the sign-in screen at once, declared or streamed, and keeps answering', async () => {
    const huge = filler(35 * 1024 * 1024);
    const declared = post('auth.login', huge, RUN_TOKEN);
    const streamed = post('auth.login', huge, RUN_TOKEN, { chunked: true });
    const status = await post('auth.status', '{}', RUN_TOKEN);
    expect(status.status).toBe(200);
    expect((await declared).status).toBe(413);
    expect((await streamed).status).toBe(413);
  }, 30_000);

  it('reads a session\'s call up to the largest legitimate one, and no further', async () => {
    const within = await post('auth.status', filler(HTTP_LIMITS.sessionBodyBytes - 1000), session);
    expect(within.status).toBe(400);
    expect(JSON.parse(within.body)).toMatchObject({ error: { code: 'invalid_input' } });
    const over = await post('auth.status', filler(HTTP_LIMITS.sessionBodyBytes), session);
    expect(over.status).toBe(413);
    // An ordinary import batch goes through.
    const imported = await post('scenario.import', JSON.stringify({ scenario: readExample('network-basic.json') }), session);
    expect(imported.status).toBe(200);
  }, 30_000);
});
