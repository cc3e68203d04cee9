// The demo's back-office history, so that no money view opens empty for a newcomer (issue 15):
// a past release run whose transfers stand in several PSP states (paid, sent, failed for good,
// queued), October's periodic invoices issued and sent and October closed for head office and
// the first franchisee, a reconciliation of the PSP's report with one mismatch
// explained and one left open, requests in the stores' inboxes (some near their deadline),
// and the four-eyes threshold set. Written through the API, as the users would.
import type { ApiContext } from '../api/handler.js';
import { callApi, type ApiOutput, type OperationName } from '../api/index.js';
import { ApiError } from '../api/errors.js';
import type { SettlementRow } from '../adapters/psp.js';
import { settlementCsv } from '../sync/reconcile.js';
import { mergePspObject } from '../sync/psp-state.js';
import { firstRegionalFranchisee, writeSettings } from '../store/network-repo.js';
import { stageDeadCall, stageSentCall } from '../store/outbox-repo.js';
import type { Scenario } from '../domain/scenario.js';

/** Day of the demo's past release run (its as_of is midnight UTC). */
export const DEMO_RUN_DAY = '2026-11-02';
/** Above 5 000 € a release run needs a second person's approval in the demo. */
export const DEMO_APPROVAL_THRESHOLD = { EUR: 500_000 };
/** Web orders waiting in the first store's inbox, by hours since they were offered (deadline 24 h). */
export const DEMO_OFFER_AGES_HOURS = [20, 20, 1] as const;

function must<K extends OperationName>(ctx: ApiContext, name: K, input: unknown): ApiOutput<K> {
  const r = callApi(ctx, name, input);
  if (!r.ok) throw new ApiError(r.error.code, `demo: ${name} failed: ${r.error.message}`, r.error.issues);
  return r.value as ApiOutput<K>;
}

/** The same caller at another moment (a step of the demo's past). */
const at = (ctx: ApiContext, iso: string): ApiContext => ({ ...ctx, now: () => new Date(iso) });

export function seedBackOffice(ctx: ApiContext, scenario: Scenario): void {
  const run = must(at(ctx, `${DEMO_RUN_DAY}T07:00:00Z`), 'release.run', { as_of: `${DEMO_RUN_DAY}T00:00:00Z` });
  const transfers = run.transfers.filter((t) => t.kind === 'transfer');
  const sentAt = new Date(`${DEMO_RUN_DAY}T07:05:00Z`);
  const key = (i: number) => transfers[i]?.idempotency_key;
  // Most transfers paid, one sent and not yet paid, one refused for good (a dead letter to retry
  // or cancel), the last ones still queued for the outbox runner.
  const paid = transfers.slice(0, Math.max(0, transfers.length - 3));
  paid.forEach((t, i) => {
    stageSentCall(ctx.db, t.idempotency_key, sentAt.toISOString());
    mergePspObject(ctx.db, 'sandbox', { id: `tr_demo_${i + 1}`, type: 'transfer', amount: t.amount, currency: t.currency, status: 'paid' } as never,
      { source: 'ack', now: sentAt, outboxKey: t.idempotency_key });
  });
  if (key(paid.length)) stageSentCall(ctx.db, key(paid.length)!, sentAt.toISOString());
  if (key(paid.length + 1)) {
    stageDeadCall(ctx.db, key(paid.length + 1)!, 8, 'destination account closed (demo)');
  }

  // October's periodic invoices issued (the first posting run after the month) and sent, then
  // October closed for head office and one franchisee.
  must(at(ctx, '2026-11-03T06:00:00Z'), 'journal.post', {});
  const store = firstRegionalFranchisee(ctx.db)?.id;
  for (const entity of ['HQ', ...(store ? [store] : [])]) {
    callApi(at(ctx, '2026-11-05T09:00:00Z'), 'invoices.send', { entity, period: '2026-10' });
    const r = callApi(at(ctx, '2026-11-10T09:00:00Z'), 'journal.periods.close', { entity, period: '2026-10' });
    if (!r.ok && r.error.code !== 'period_closed') throw new ApiError(r.error.code, `demo: closing 2026-10 of ${entity}: ${r.error.message}`, r.error.issues);
  }

  // The PSP's report of the paid transfers: one amount differs (explained: a bank fee the PSP
  // took), one transfer is missing from it (left to explain).
  const rows: SettlementRow[] = paid.map((t, i): SettlementRow => ({
    balance_transaction_id: `txn_demo_${i + 1}`, created_utc: sentAt.toISOString(), reporting_category: 'transfer', source_id: `tr_demo_${i + 1}`,
    currency: t.currency.toLowerCase(), gross: major(-(i === 0 ? t.amount - 150 : t.amount)), fee: '0.00', net: major(-(i === 0 ? t.amount - 150 : t.amount)),
    transfer_id: `tr_demo_${i + 1}`, transfer_group: run.run?.id ?? '', entity: t.entity, ventil_key: t.idempotency_key,
  })).filter((_, i) => i !== 1);
  if (rows.length > 0) {
    const rec = must(at(ctx, '2026-11-05T08:00:00Z'), 'sync.reconciliation.import', {
      csv: settlementCsv(rows), source: 'demo-settlement-2026-11.csv', psp: 'sandbox', from: `${DEMO_RUN_DAY}T07:00:00.000Z`, to: `${DEMO_RUN_DAY}T08:00:00.000Z`,
    });
    const differs = must(ctx, 'sync.reconciliation.list', { run_id: rec.run_id }).items.find((i) => i.status === 'amount_differs');
    if (differs) {
      must(at(ctx, '2026-11-05T10:00:00Z'), 'sync.reconciliation.explain', { run_id: rec.run_id, seq: differs.seq, note: 'Frais bancaires de 1,50 € prélevés par le PSP sur ce virement (ticket PSP-4821)' });
    }
  }

  // Requests in the first store's inbox: web orders of today and yesterday, offered 20 hours
  // ago (4 hours left before the deadline) and an hour ago.
  const nowMs = ctx.now().getTime();
  const shop = scenario.network.locations.find((l) => l.kind === 'store' && l.ship && l.entity === store);
  if (shop) {
    for (const [i, hoursAgo] of DEMO_OFFER_AGES_HOURS.entries()) {
      const n = i + 1;
      const created = new Date(nowMs - hoursAgo * 3_600_000 - 60_000).toISOString();
      const id = `W-DEMO-${n}`;
      const unit = 4990 + n * 1000;
      must(at(ctx, created), 'scenario.import', {
        source: 'demo', scenario: {
          ...scenario, events: [],
          orders: [{
            id, channel: 'web', origin: null, customer_postcode: shop.postcode, created_at: created, currency: 'EUR',
            lines: [{ id: '1', sku: `SNK-${n}`, name: `Sneaker ${n}`, category: 'shoes', kind: 'goods', quantity: 1, unit_price: unit, discount: 0, vat_rate: '0.20',
              delivery_mode: 'ship_from_store', candidates: [shop.id, 'WH-NORD'], pickup_location: null }],
            payments: [{ id: `PAY-${id}`, method: 'card', amount: unit, psp_fee: Math.round(unit * 0.015) + 25, captured_at: created }],
          }],
        },
      });
      must(at(ctx, new Date(nowMs - hoursAgo * 3_600_000).toISOString()), 'routing.tick', {});
    }
  }

  writeSettings(ctx.db, { release_approval_threshold: DEMO_APPROVAL_THRESHOLD });
}

/** Minor units as the report's decimal text (two decimals: the demo is in euros). */
function major(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
