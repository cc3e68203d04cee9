// Logs: records reach the file of the command line (pino) and of the desktop app
// (electron-log, configured as electron/log.ts does), rotate by size, and never hold a
// password, a token or a key, whether it came as a field, inside a message or from the
// environment.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import electronLog from 'electron-log/node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFileLog } from '../../../core/log/file-log.js';
import { installLogSink, logger, type LogRecord } from '../../../core/log/logger.js';
import { REDACTED, redactFields, redactText, registerEnvSecrets, registerSecret } from '../../../core/log/redact.js';
import { configureDesktopLog, DESKTOP_LOG_NAME } from '../../../electron/log.js';
import { ventil } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/db.js';

const DB_KEY = 'k3y-of-the-database-0123456789abcdef';
const SESSION = 'sess_9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const STRIPE = 'sk_live_51HxYzAbCdEfGhIjKlMnOp';
const PASSWORD = 'correct-horse-battery-staple';

/** One of each way a secret can travel into a log. */
function logSecrets() {
  registerSecret(DB_KEY);
  const log = logger('test');
  log.info('signed in', { login: 'finance', password: PASSWORD, session: { token: SESSION } });
  log.warn(`PSP refused Authorization: Bearer ${SESSION}`);
  log.error(`stripe call failed with key ${STRIPE}`, { url: `http://127.0.0.1:5174/#token=${SESSION}` });
  log.info(`opened the database with ${DB_KEY}`);
  log.info('import body {"login":"x","new_password":"' + PASSWORD + '"}');
  log.debug('below the level');
}

const cleanups: (() => void)[] = [];
afterEach(() => { while (cleanups.length) cleanups.pop()!(); });

describe('redaction', () => {
  it('replaces secret fields at any depth, secret-shaped text, and registered values', () => {
    registerSecret('a-registered-secret-value');
    expect(redactFields({ password: 'x', nested: [{ api_key: 'y', db_key: 'z', idempotency_key: 'ventil.transfer:R1' }], note: 'Bearer abc.def' }))
      .toEqual({ password: REDACTED, nested: [{ api_key: REDACTED, db_key: REDACTED, idempotency_key: 'ventil.transfer:R1' }], note: `Bearer ${REDACTED}` });
    expect(redactText('whsec_abc123 and rk_test_zz9 and -----BEGIN PRIVATE KEY-----\nMC4\n-----END PRIVATE KEY----- and password=hunter22&x=1'))
      .toBe(`${REDACTED} and ${REDACTED} and ${REDACTED} and password=${REDACTED}&x=1`);
    expect(redactText('key a-registered-secret-value here')).toBe(`key ${REDACTED} here`);
    registerEnvSecrets({ VENTIL_FEED_TOKEN: 'feed-token-from-env-123', VENTIL_DB_KEY_FILE: '/etc/ventil/key', PATH: '/usr/bin:/bin' });
    expect(redactText('pulled with feed-token-from-env-123 from /usr/bin:/bin, key file /etc/ventil/key')).toBe(`pulled with ${REDACTED} from /usr/bin:/bin, key file /etc/ventil/key`);
  });
});

describe('the command line\'s log file (pino)', () => {
  it('writes JSON lines at the level asked, without any secret', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const file = startFileLog({ dir: t.dir, level: 'info' });
    logSecrets();
    file.close();
    const text = readFileSync(join(t.dir, 'ventil.log'), 'utf8');
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.scope, r.msg])).toEqual([
      ['info', 'test', 'signed in'],
      ['warn', 'test', `PSP refused Authorization: Bearer ${REDACTED}`],
      ['error', 'test', `stripe call failed with key ${REDACTED}`],
      ['info', 'test', `opened the database with ${REDACTED}`],
      ['info', 'test', `import body {"login":"x","new_password":"${REDACTED}"}`],
    ]);
    expect(records[0]).toMatchObject({ login: 'finance', password: REDACTED, session: { token: REDACTED }, pid: process.pid });
    expect(typeof records[0]!.time).toBe('string');
    for (const secret of [DB_KEY, SESSION, STRIPE, PASSWORD]) expect(text).not.toContain(secret);
  });

  it('rotates by size, keeping three old files', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    for (let run = 0; run < 6; run++) {
      const file = startFileLog({ dir: t.dir, maxBytes: 2_000 });
      for (let i = 0; i < 30; i++) logger('test').info(`run ${run} line ${i}`);
      file.close();
    }
    expect(readdirSync(t.dir).sort()).toEqual(['ventil.1.log', 'ventil.2.log', 'ventil.3.log', 'ventil.log']);
    expect(readFileSync(join(t.dir, 'ventil.log'), 'utf8')).toContain('run 5 line 29');
    expect(readFileSync(join(t.dir, 'ventil.3.log'), 'utf8')).toContain('run 2 line 0');
  });

  it('records each command with its status, keeps the command\'s output as it was, and never logs a key', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const logs = join(t.dir, 'logs');
    const env = { VENTIL_LOG_DIR: logs, VENTIL_DB_KEY: DB_KEY };
    const init = ventil(['init', '--db', join(t.dir, 'v.db')], env);
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);
    const bad = ventil(['import', join(t.dir, 'missing.json'), '--db', join(t.dir, 'v.db')], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/cannot read/);
    const text = readFileSync(join(logs, 'ventil.log'), 'utf8');
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as { scope: string; msg: string; status?: number });
    expect(records.filter((r) => r.scope === 'cli').map((r) => r.msg)).toEqual([
      'ventil init started', 'ventil init exited with status 0',
      'ventil import started', 'ventil import failed', 'ventil import exited with status 2',
    ]);
    expect(text).not.toContain(DB_KEY);
  });
});

describe('the desktop app\'s log file (electron-log, as electron/log.ts configures it)', () => {
  it('writes the records of both processes, without any secret, and rotates by size', () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const log = electronLog.create({ logId: `test-${Date.now()}` });
    const desktop = configureDesktopLog(log, { dir: t.dir, level: 'info', maxBytes: 4_000 });
    cleanups.push(desktop.stop);
    expect(desktop.file).toBe(join(t.dir, DESKTOP_LOG_NAME));
    logSecrets();
    const text = readFileSync(desktop.file, 'utf8');
    expect(text).toMatch(/\[info\]\s+test: signed in \{"login":"finance","password":"\[redacted\]","session":\{"token":"\[redacted\]"\}\}/);
    expect(text).toMatch(/\[error\]\s+test: stripe call failed with key \[redacted\]/);
    expect(text).not.toMatch(/below the level/);
    for (const secret of [DB_KEY, SESSION, STRIPE, PASSWORD]) expect(text).not.toContain(secret);
    for (let i = 0; i < 200; i++) logger('sync').info(`drain ${i}`);
    expect(existsSync(join(t.dir, 'ventil-desktop.1.log'))).toBe(true);
  });

  it('passes records on only at or above their sink\'s level', () => {
    const seen: LogRecord[] = [];
    cleanups.push(installLogSink((r) => seen.push(r), 'warn'));
    logger('x').info('no');
    logger('x').warn('yes');
    expect(seen.map((r) => r.message)).toEqual(['yes']);
  });
});
