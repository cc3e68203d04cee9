// The desktop's process split, under plain Node where Electron cannot run: the database
// process (core/host/service.ts) in a child process, driven through its port by the main
// process's client (core/host/client.ts), as electron/main.ts drives its utilityProcess.
// The child is killed at chosen points; the client reports each exit, starts a new process,
// and every call is answered once: none lost, none applied twice.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClient, type HostEvent } from '../../core/host/client.js';
import { forkHost } from '../../core/host/node-port.js';
import type { CallAnswer } from '../../core/host/protocol.js';
import { installLogSink, type LogRecord } from '../../core/log/logger.js';
import { repoRoot, tempDir } from '../helpers/db.js';

const ENTRY = join(repoRoot, 'test/fixtures/host-child.ts');
const ADMIN = { name: 'Admin', login: 'admin', password: 'admin-password-2026' };
const cleanups: (() => unknown)[] = [];
afterEach(async () => { while (cleanups.length) await cleanups.pop()!(); });

/** A client and its database process; `kill(plan)` sets where the child dies (fixture). */
function start() {
  const t = tempDir();
  const events: HostEvent[] = [];
  const logs: LogRecord[] = [];
  const planFile = join(t.dir, 'plan');
  cleanups.push(t.cleanup);
  cleanups.push(installLogSink((r) => logs.push(r), 'info'));
  const client = new HostClient({
    spawn: forkHost(ENTRY, { execArgv: ['--import', 'tsx'], env: { ...process.env, HOST_CHILD_PLAN: planFile } }),
    config: { file: join(t.dir, 'host.db'), key: null, encryptPlaintext: false, seedDemo: false, background: false },
    onEvent: (e) => events.push(e),
    restartDelayMs: 20,
  });
  cleanups.push(() => client.stop());
  const exits = () => events.filter((e) => e.type === 'exit') as Extract<HostEvent, { type: 'exit' }>[];
  return { client, events, logs, exits, kill: (plan: string) => writeFileSync(planFile, plan) };
}

const ok = (a: CallAnswer) => {
  if (!a.result.ok) throw new Error(`${a.result.error.code}: ${a.result.error.message}`);
  return a.result.value as any;
};

async function signedIn(client: HostClient): Promise<string> {
  return ok(await client.call('auth.setup', ADMIN, null)).token as string;
}

const auditor = (login: string) => ({ name: login, login, role: 'auditor', password: `${login}-password-2026`, must_change_password: false });

async function countOf(client: HostClient, token: string, login: string) {
  const users = ok(await client.call('users.list', {}, token)) as { login: string }[];
  const audit = ok(await client.call('audit.list', { operation: 'users.create' }, token)) as { rows: { input: { login: string } }[] };
  return { users: users.filter((u) => u.login === login).length, audited: audit.rows.filter((r) => r.input.login === login).length };
}

describe('the database process behind a port', () => {
  it('answers calls as they finish, keeps the session token on the main side, and stops cleanly', async () => {
    const { client, events } = start();
    const token = await signedIn(client);
    // Calls are answered as they finish, not in order: the sign-ins hash their passwords off
    // the thread while the status call is answered (issue 16, item 3).
    const order: string[] = [];
    const tracked = (label: string, p: Promise<CallAnswer>) => p.then((a) => { order.push(label); return a; });
    const signIns = [1, 2].map((i) => tracked('sign-in', client.call('auth.login', { login: `ghost-${i}`, password: 'a guessed password' }, null)));
    expect(ok(await tracked('status', client.call('auth.status', {}, null)))).toBeTruthy();
    expect((await Promise.all(signIns)).map((a) => a.result)).toEqual(Array(2).fill(expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'invalid_credentials' }) })));
    expect(order).toEqual(['status', 'sign-in', 'sign-in']);
    const answers = await Promise.all([
      client.call('auth.me', {}, token), client.call('users.create', auditor('one'), token),
      client.call('no.such.operation', {}, token), client.call('users.list', {}, null),
    ]);
    expect(ok(answers[0]!)).toMatchObject({ user: { login: 'admin', role: 'admin' } });
    expect((ok(await client.call('users.list', {}, token)) as { login: string }[]).map((u) => u.login).sort()).toEqual(['admin', 'one']);
    expect(answers[2]!.result).toMatchObject({ ok: false, error: { code: 'unknown_operation' } });
    expect(answers[3]!.result).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await client.call('auth.me', {}, 'not-a-session')).toMatchObject({ sessionInvalid: true, result: { ok: false } });
    await client.stop();
    expect(client.status).toBe('stopped');
    expect(events.filter((e) => e.type === 'exit')).toEqual([expect.objectContaining({ expected: true })]);
    expect(await client.call('users.list', {}, token)).toMatchObject({ result: { ok: false, error: { code: 'database_unavailable' } } });
  });

  // Six processes start in turn (each loads the API through tsx): a few seconds each on a busy machine.
  it('reports each death of the process and starts another: every call is answered once, none lost, none applied twice', { timeout: 240_000 }, async () => {
    const { client, events, logs, exits, kill } = start();
    const token = await signedIn(client);

    // Killed from outside while idle: reported, restarted; the session survives, and the call
    // made meanwhile waits for the new process.
    const first = client.pid!;
    process.kill(first, 'SIGKILL');
    expect(ok(await client.call('users.create', auditor('meanwhile'), token))).toMatchObject({ login: 'meanwhile' });
    expect(exits()).toEqual([expect.objectContaining({ pid: first, signal: 'SIGKILL', expected: false })]);
    expect(client.pid).not.toBe(first);
    expect(events.filter((e) => e.type === 'ready').map((e) => (e as { starts: number }).starts)).toEqual([1, 2]);
    expect(logs.some((r) => r.level === 'error' && r.scope === 'host' && r.message.includes(`process ${first} exited`))).toBe(true);

    // Dies as the call arrives, before doing anything: sent again, applied once.
    kill('received users.create once');
    const before = await client.call('users.create', auditor('before'), token);
    expect(ok(before)).toMatchObject({ login: 'before' });
    expect(before.replayed).toBeUndefined();
    expect(exits()).toHaveLength(2);

    // Dies after committing, instead of answering, with two more calls sent behind it: the new
    // process answers the first from its journal and does not run it again (a second run would
    // answer that the login is taken), then runs the others not answered yet. (The list may be
    // answered before the creation, which hashes a password first: calls are not ordered.)
    kill('answered users.create once');
    const [after, list, second] = await Promise.all([
      client.call('users.create', auditor('after'), token), client.call('users.list', {}, token), client.call('users.create', auditor('second'), token),
    ]);
    expect(after!.replayed).toBe(true);
    expect(ok(after!)).toMatchObject({ login: 'after' });
    expect(ok(list!)).toEqual(expect.any(Array));
    expect((ok(await client.call('users.list', {}, token)) as { login: string }[]).map((u) => u.login)).toContain('after');
    expect(ok(second!)).toMatchObject({ login: 'second' });
    expect(second!.replayed).toBeUndefined();
    expect(exits()).toHaveLength(3);
    expect(logs.some((r) => r.message.includes('users.create was applied before the database process stopped'))).toBe(true);

    // A call that kills every process it reaches is answered with an error after two tries,
    // and the others are served.
    kill('received users.disable');
    expect((await client.call('users.disable', { id: 'nobody' }, token)).result).toMatchObject({ ok: false, error: { code: 'host_crashed' } });
    expect(exits()).toHaveLength(5);

    for (const login of ['meanwhile', 'before', 'after', 'second']) expect(await countOf(client, token, login), login).toEqual({ users: 1, audited: 1 });
    expect(exits().every((e) => !e.expected)).toBe(true);
  });

  it('gives up, with the reason, when the database cannot be opened', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = join(t.dir, 'broken.db');
    writeFileSync(file, 'this is not a SQLite database, and no key opens it'.repeat(100));
    const events: HostEvent[] = [];
    const client = new HostClient({
      spawn: forkHost(ENTRY, { execArgv: ['--import', 'tsx'] }),
      config: { file, key: null, encryptPlaintext: false, seedDemo: false, background: false },
      onEvent: (e) => events.push(e),
    });
    cleanups.push(() => client.stop());
    const answer = await client.call('auth.status', {}, null);
    expect(answer.result).toMatchObject({ ok: false });
    expect(client.status).toBe('failed');
    expect(events[0]).toMatchObject({ type: 'failed' });
    expect(await client.call('auth.status', {}, null)).toEqual({ result: answer.result });
  });
});
