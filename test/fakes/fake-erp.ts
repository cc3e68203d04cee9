// A fake ERP on 127.0.0.1 (port 0) for the ERP push tests: it receives `ventil.erp-batch/1`
// batches by POST, applies each Idempotency-Key once (a repeat gets the first acknowledgement
// back, counted as a duplicate), and misbehaves on a script, request by request: 500 before
// applying, applying then resetting the connection (the client never hears the answer), applying
// then answering too late, 429 with Retry-After. Bounded: it closes itself after `lifetimeMs`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ErpFault = 'ok' | '500' | 'apply_then_reset' | 'apply_then_late' | '429' | '401';

export interface FakeErp {
  url: string;
  /** Applied batches by idempotency key (applied once each). */
  batches: Map<string, { id: string; body: any; headers: IncomingMessage['headers'] }>;
  /** Every request, in order, with what the fake did. */
  log: { key: string | null; fault: ErpFault; duplicate: boolean }[];
  close(): Promise<void>;
}

export async function startFakeErp(opts: { script?: ErpFault[]; lateMs?: number; lifetimeMs?: number } = {}): Promise<FakeErp> {
  const script = [...(opts.script ?? [])];
  const batches: FakeErp['batches'] = new Map();
  const log: FakeErp['log'] = [];
  let n = 0;
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const key = (req.headers['idempotency-key'] as string | undefined) ?? null;
    const fault = script.shift() ?? 'ok';
    const duplicate = key !== null && batches.has(key);
    log.push({ key, fault, duplicate });
    if (req.method !== 'POST' || req.url !== '/batches' || !key) { res.writeHead(400).end('{"error":"POST /batches with an Idempotency-Key"}'); return; }
    if (fault === '500') { res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}'); return; }
    if (fault === '429') { res.writeHead(429, { 'retry-after': '0' }).end('{"error":"slow down"}'); return; }
    if (fault === '401') { res.writeHead(401).end('{"error":"who are you"}'); return; }
    if (!duplicate) batches.set(key, { id: `erp-batch-${++n}`, body: JSON.parse(body), headers: req.headers });
    const ack = { id: batches.get(key)!.id, duplicate };
    if (fault === 'apply_then_reset') { req.socket.destroy(); return; }
    const answer = () => res.writeHead(duplicate ? 200 : 201, { 'content-type': 'application/json' }).end(JSON.stringify(ack));
    if (fault === 'apply_then_late') setTimeout(() => { if (!res.destroyed) answer(); }, opts.lateMs ?? 3000).unref();
    else answer();
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; if (body.length > 50_000_000) req.destroy(); });
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const timer = setTimeout(() => server.close(), opts.lifetimeMs ?? 120_000);
  timer.unref();
  return {
    url: `http://127.0.0.1:${port}/batches`,
    batches,
    log,
    close: () => new Promise<void>((resolve) => { clearTimeout(timer); server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
