// How a replica talks to its hub: JSON over HTTPS (plain HTTP only to a loopback address), the
// hub's certificate checked against the system's CAs or the CA file given at join, the device's
// credential as a bearer token, gzip both ways for large pages. Errors come back as HubError,
// which says whether the hub could not be reached at all (offline: the replica keeps working).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { gunzipSync } from 'node:zlib';

export class HubError extends Error {
  constructor(readonly code: string, message: string, readonly offline = false, readonly status?: number, readonly issues?: unknown) {
    super(message);
    this.name = 'HubError';
  }
}

/** Loopback names and addresses: the only places a hub may be reached without TLS. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** The hub's base URL, or a named error: https, or http to a loopback address only. */
export function checkHubUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HubError('invalid_url', `${JSON.stringify(text)} is not a URL (https://hub.example.com:8443)`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new HubError('invalid_url', `${text}: the hub's address starts with https://`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw new HubError('tls_required', `${text}: a hub is reached over HTTPS (http:// is only for a hub on this machine's loopback address)`);
  }
  if (url.username || url.password || url.search || url.hash) throw new HubError('invalid_url', `${text}: give the hub's address only`);
  return url;
}

export interface HubClientOptions {
  url: string;
  /** PEM of the CA that signed the hub's certificate, when it is not a public one. */
  ca?: string | null;
  /** `vd1.<device>.<secret>` once enrolled. */
  token?: string | null;
  timeoutMs?: number;
}

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENETDOWN']);

export interface HubClient {
  call<T>(operation: string, body: unknown): Promise<T>;
  /** Bytes sent and received (bodies, as on the wire), for the benchmark. */
  readonly bytes: { sent: number; received: number };
}

export function hubClient(opts: HubClientOptions): HubClient {
  const base = checkHubUrl(opts.url);
  const bytes = { sent: 0, received: 0 };
  const call = <T>(operation: string, body: unknown) => new Promise<T>((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify(body));
    const url = new URL(`api/${encodeURIComponent(operation)}`, base.href.endsWith('/') ? base : `${base.href}/`);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Accept-Encoding': 'gzip', 'Content-Length': String(payload.length) };
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers, timeout: opts.timeoutMs ?? 60_000, ...(opts.ca ? { ca: opts.ca } : {}) }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => reject(new HubError('offline', `the connection to the hub broke: ${e.message}`, true)));
      res.on('end', () => {
        let raw = Buffer.concat(chunks);
        bytes.received += raw.length;
        try {
          if (res.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          const parsed = JSON.parse(raw.toString('utf8')) as { ok: boolean; value?: T; error?: { code: string; message: string; issues?: unknown } };
          if (parsed.ok) resolve(parsed.value as T);
          else reject(new HubError(parsed.error?.code ?? 'hub_error', parsed.error?.message ?? `HTTP ${res.statusCode}`, false, res.statusCode, parsed.error?.issues));
        } catch {
          reject(new HubError('bad_response', `the hub answered HTTP ${res.statusCode} without a Ventil answer (is ${base.href} a Ventil hub?)`, false, res.statusCode));
        }
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('the hub did not answer in time'), { code: 'ETIMEDOUT' })));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code && OFFLINE_CODES.has(e.code)) reject(new HubError('offline', `the hub cannot be reached (${e.code}): ${e.message}`, true));
      else if (/certificate|self.signed|CERT_|SSL|TLS/i.test(`${e.code} ${e.message}`)) {
        reject(new HubError('tls_untrusted', `the hub's certificate is not trusted (${e.code ?? e.message}): give the CA that signed it with --ca FILE`));
      } else reject(new HubError('offline', `the hub cannot be reached: ${e.message}`, true));
    });
    bytes.sent += payload.length;
    req.end(payload);
  });
  return { call, bytes };
}
