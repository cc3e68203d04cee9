// A small webhook receiver for `ventil sync --webhook-port N`: POST /webhooks/stripe with the raw
// body and its Stripe-Signature header. It binds to the loopback interface only; exposing it to
// Stripe is a reverse proxy's or tunnel's job (docs/sync.md). Offline machines do not need it:
// event files and settlement reports carry the same news.
import { createServer, type Server } from 'node:http';
import type { Db } from '../store/db.js';
import { applyWebhook } from './psp-events.js';

export interface WebhookReceiver { url: string; server: Server; close(): Promise<void> }

export function startWebhookReceiver(opts: { db: Db; secret: string; host?: string; port?: number; now?: () => Date; maxBody?: number }): Promise<WebhookReceiver> {
  const maxBody = opts.maxBody ?? 1_000_000;
  const now = opts.now ?? (() => new Date());
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/webhooks/stripe') return reply(404, { ok: false, error: { code: 'not_found', message: 'POST /webhooks/stripe' } });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) { reply(413, { ok: false, error: { code: 'too_large', message: 'body too large' } }); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      try {
        const report = applyWebhook(opts.db, { payload: Buffer.concat(chunks), signature: req.headers['stripe-signature'] as string | undefined, secret: opts.secret, now: now() });
        reply(200, { ok: true, received: true, duplicates: report.duplicates });
      } catch (e) {
        const code = (e as { code?: string }).code ?? 'internal';
        // A bad signature is the sender's problem (400, Stripe will not fix it by retrying);
        // anything else is ours (500, Stripe retries the delivery later).
        reply(code === 'invalid_signature' || code === 'webhook_secret_missing' ? 400 : 500, { ok: false, error: { code, message: (e as Error).message } });
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      const addr = server.address() as { port: number; address: string };
      resolve({
        url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}/webhooks/stripe`,
        server,
        close: () => new Promise<void>((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
