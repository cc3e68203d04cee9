// `ventil serve`: the same API over HTTP on 127.0.0.1, and the built renderer, for browsers
// and tests. Every API request carries `Authorization: Bearer <token>`: a session token (from
// `auth.login` / `auth.setup`) acts as its user; the per-run token printed at start (given to
// the browser in the URL hash) reaches only the public sign-in operations (auth.status,
// auth.setup, auth.login, auth.demoUsers). Requests from other origins and other Host names
// (DNS rebinding) are refused (docs/security.md).
//
// As a hub (`ventil hub`, `hub: true`), it serves the same over HTTPS (`tls`) to remote users and
// to replicas: any Host name (the certificate names the hub), requests from the page's own
// origin only, the sign-in operations without the run token (remote users have none), and the
// replication operations to devices with their own credential (docs/deployment.md).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { gzipSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { authenticateSession } from '../api/auth.js';
import { createContext } from '../api/context.js';
import type { SessionInfo } from '../api/handler.js';
import { callApiAsync, handlerNamed, toErrorValue } from '../api/index.js';
import { authenticateDevice, isDeviceToken } from '../replication/devices.js';
import { faultPoint } from '../replication/faults.js';
import { isLoopback } from '../replication/client.js';
import type { Result } from '../api/errors.js';
import { ANONYMOUS_PRINCIPAL, type Principal } from '../api/principal.js';
import { ensureDemoUsers } from '../demo/users.js';
import { preparePasswordChecks } from '../security/passwords.js';
import { HTTP_LIMITS } from '../security/policy.js';
import type { Db } from '../store/db.js';

export interface ServeOptions {
  db: Db;
  /** Folder of the built renderer (index.html and assets). */
  staticDir: string;
  token: string;
  host?: string;
  port?: number;
  /** Largest request body of a signed-in caller (default HTTP_LIMITS.sessionBodyBytes). */
  maxBody?: number;
  now?: () => Date;
  /** How a throttled sign-in waits (tests pass one that moves their clock). Default: a timer. */
  wait?: (ms: number) => Promise<void>;
  /** Serve over HTTPS with this certificate and key (PEM). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Serve as a hub: remote users and replicas (see the top of this file). */
  hub?: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2', '.ico': 'image/x-icon',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface RunningServer { server: Server; url: string; close(): Promise<void> }

export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const root = resolve(opts.staticDir);
  const maxBody = opts.maxBody ?? HTTP_LIMITS.sessionBodyBytes;
  const token = Buffer.from(opts.token);
  const now = opts.now ?? (() => new Date());
  let allowedHosts: Set<string> = new Set();
  let origin = '';
  // The demo's sign-in screen lists its accounts: make sure they exist.
  ensureDemoUsers(opts.db, now());
  // The dummy hash unknown logins are checked against, made before the first sign-in.
  void preparePasswordChecks();

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e) => sendJson(res, 500, { ok: false, error: toErrorValue(e) }));
  };
  const server: Server = opts.tls ? createTlsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  const scheme = opts.tls ? 'https' : 'http';

  async function handle(req: IncomingMessage, res: ServerResponse) {
    // A hub on a public address is named by its certificate; on the loopback, DNS rebinding is the risk.
    if ((!opts.hub || isLoopback(host)) && !allowedHosts.has(req.headers.host ?? '')) return sendJson(res, 421, { ok: false, error: { code: 'bad_host', message: 'unexpected Host header' } });
    const url = new URL(req.url ?? '/', origin);
    // Decoded once, before anything else: malformed percent-encoding is the client's error.
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return sendJson(res, 400, { ok: false, error: { code: 'bad_request', message: 'malformed percent-encoding in the path' } });
    }
    if (pathname.startsWith('/api/')) return api(req, res, pathname.slice(5));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { ok: false, error: { code: 'method_not_allowed', message: 'GET only' } });
    return serveStatic(res, pathname);
  }

  async function api(req: IncomingMessage, res: ServerResponse, operation: string) {
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'method_not_allowed', message: 'API calls are POST' } });
    const reqOrigin = req.headers.origin;
    const ownOrigin = opts.hub ? `${scheme}://${req.headers.host ?? ''}` : origin;
    if ((reqOrigin && reqOrigin !== ownOrigin) || req.headers['sec-fetch-site'] === 'cross-site') {
      return sendJson(res, 403, { ok: false, error: { code: 'cross_origin', message: 'cross-origin requests are refused' } });
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, 415, { ok: false, error: { code: 'unsupported_media_type', message: 'send application/json' } });
    }
    const caller = authenticate(req, operation);
    if ('refused' in caller) return sendJson(res, caller.refused.code === 'device_revoked' ? 403 : 401, { ok: false, error: caller.refused }, req);
    // The body is read only now, and never past the caller's limit: a few KB for the sign-in
    // screen (and a hub's enrolment), the largest legitimate call for a session or a device.
    const limit = caller.principal.anonymous ? HTTP_LIMITS.anonymousBodyBytes : maxBody;
    let body: unknown;
    try {
      const text = await readBody(req, limit);
      body = text.length === 0 ? {} : JSON.parse(text);
    } catch (e) {
      const status = (e as { status?: number }).status ?? 400;
      const error = { code: status === 413 ? 'too_large' : 'bad_request', message: (e as Error).message };
      // Past the limit the rest of the body is not kept: answer, then close the connection.
      if (status === 413) return sendJson(res, 413, { ok: false, error }, req, () => dropRest(req));
      return sendJson(res, status, { ok: false, error }, req);
    }
    const ctx = createContext(opts.db, { principal: caller.principal, session: caller.session, now, source: `http:${req.socket.remoteAddress ?? '?'}`, wait: opts.wait });
    // Sign-ins check passwords off the main thread: other requests are answered meanwhile.
    const result: Result<unknown> = await callApiAsync(ctx, operation, body);
    if (operation === 'replication.push') faultPoint('hub.push.committed');
    sendJson(res, result.ok ? 200 : statusOf(result.error.code), result, req);
  }

  const UNAUTHENTICATED = { code: 'unauthenticated', message: 'a valid session (or, to sign in, the run token) is required' };

  /**
   * A session's user, an enrolled device, or the anonymous caller (the run token; on a hub, no
   * token at all, or an operation whose input is its own credential); else why not.
   */
  function authenticate(req: IncomingMessage, operation: string): { principal: Principal; session: SessionInfo | null } | { refused: { code: string; message: string } } {
    const anonymous = { principal: ANONYMOUS_PRINCIPAL, session: null };
    const handler = handlerNamed(operation);
    if (opts.hub && handler?.open) return anonymous;
    const header = req.headers.authorization ?? '';
    const bearer = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!bearer) return opts.hub ? anonymous : { refused: UNAUTHENTICATED };
    if (opts.hub && isDeviceToken(bearer)) {
      const d = authenticateDevice(opts.db, bearer);
      return d.ok ? { principal: d.principal, session: null } : { refused: { code: d.code, message: d.message } };
    }
    const given = Buffer.from(bearer);
    if (given.length === token.length && timingSafeEqual(given, token)) return anonymous;
    const s = authenticateSession(opts.db, bearer, now());
    return s.ok ? { principal: s.principal, session: s.session } : { refused: UNAUTHENTICATED };
  }

  async function serveStatic(res: ServerResponse, pathname: string) {
    let file = normalize(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return sendJson(res, 404, { ok: false, error: { code: 'not_found', message: 'not found' } });
    const info = await stat(file).catch(() => null);
    if (!info || info.isDirectory()) file = join(root, 'index.html'); // single-page app
    const data = await readFile(file).catch(() => null);
    if (!data) return sendJson(res, 404, { ok: false, error: { code: 'not_found', message: 'the renderer is not built (npm run build)' } });
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-cache', ...SECURITY_HEADERS });
    res.end(data);
  }

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : opts.port;
      const shown = host.includes(':') ? `[${host}]` : host;
      origin = `${scheme}://${shown}:${port}`;
      allowedHosts = new Set([`${host}:${port}`, `${shown}:${port}`, `localhost:${port}`]);
      resolvePromise({
        server, url: origin,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

function statusOf(code: string): number {
  switch (code) {
    case 'unauthenticated': case 'invalid_credentials': return 401;
    case 'forbidden': case 'password_change_required': case 'account_disabled': case 'device_revoked': return 403;
    case 'version_mismatch': return 409;
    case 'unknown_operation': case 'not_found': return 404;
    case 'busy': case 'database_busy': return 503;
    case 'internal': return 500;
    default: return 400;
  }
}

/** Bodies larger than this are gzipped for clients that accept it (replication pages). */
const GZIP_FROM = 8 * 1024;
/** zlib's level for those bodies. */
export const GZIP_LEVEL = 6;

/** Answers with JSON; `then` runs once the answer is written (the connection then closes). */
function sendJson(res: ServerResponse, status: number, body: unknown, req?: IncomingMessage, then?: () => void) {
  if (res.headersSent || res.destroyed) return;
  let data: Buffer = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = {
    'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS,
    ...(status === 503 ? { 'Retry-After': '5' } : {}), ...(then ? { Connection: 'close' } : {}),
  };
  if (data.length >= GZIP_FROM && /\bgzip\b/.test(String(req?.headers['accept-encoding'] ?? ''))) {
    data = gzipSync(data, { level: GZIP_LEVEL });
    headers['Content-Encoding'] = 'gzip';
  }
  res.writeHead(status, headers);
  res.end(data, then);
}

/**
 * After an early answer: discard what the client still sends for a moment (closing at once
 * could reset the connection before the client reads the answer), then close it.
 */
function dropRest(req: IncomingMessage): void {
  req.resume();
  setTimeout(() => req.destroy(), 1000).unref();
}

/** The body as text; refused with status 413 as soon as it is known to exceed `max` (declared or read). */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const tooLarge = () => Object.assign(new Error(`request body over ${max} bytes`), { status: 413 });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) { req.pause(); reject(tooLarge()); return; }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > max) { req.off('data', onData); req.pause(); chunks.length = 0; reject(tooLarge()); return; }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
