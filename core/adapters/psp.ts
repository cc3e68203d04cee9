// The payment service provider as Ventil sees it: capture into escrow, transfer to an entity's
// connected account, reverse a transfer, refund a customer, pay the platform out, read balances,
// fetch the settlement report. One implementation per vendor (sandbox-psp.ts, stripe-psp.ts),
// chosen by registry.ts. The outbox runner is the only caller of the money-moving methods; it
// always passes the outbox row's idempotency key, and calls outside any database transaction.

export type PspObjectType = 'capture' | 'transfer' | 'transfer_reversal' | 'refund' | 'payout';

/** What the PSP says it did, normalised across vendors. Amounts in minor units. */
export interface PspObject {
  type: PspObjectType;
  id: string;
  amount: number;
  /** Upper-case ISO 4217 code. */
  currency: string;
  status: string;
  destination?: string | null;
  /** Reversal: its transfer; refund: the payment it refunds. */
  parentId?: string | null;
  amountReversed?: number;
  fee?: number | null;
  /** ISO 8601 time the PSP created it. */
  created?: string | null;
  metadata?: Record<string, string>;
}

/** Everything Ventil wants the PSP to remember about a call, vendor-neutral. */
export interface CallTags {
  /** The outbox idempotency key, also stored on the PSP object so it can be found again. */
  ventilKey: string;
  entity: string;
  kind: string;
  releaseRun?: string;
  order?: string;
  /** Orders paid (or netted) by a transfer or reversal, with their amounts. */
  orders?: readonly { order: string; amount: number }[];
}

export interface CallOptions {
  idempotencyKey: string;
  /** Abort the HTTP call after this long; the runner then treats the outcome as unknown. */
  timeoutMs?: number;
}

export interface CaptureRequest { paymentId: string; amount: number; currency: string; tags: CallTags }
export interface TransferRequest { destination: string; amount: number; currency: string; transferGroup: string; description?: string; tags: CallTags }
export interface ReversalRequest { transferId: string; amount: number; currency: string; description?: string; tags: CallTags }
export interface RefundRequest { paymentId: string; amount: number; currency: string; reason?: string; tags: CallTags }
export interface PayoutRequest { amount: number; currency: string; description?: string; tags: CallTags }

export interface PspBalance { account: string | null; currency: string; available: number; pending: number }

/** One row of a settlement report, in the columns docs/sync.md documents. */
export interface SettlementRow {
  balance_transaction_id: string;
  created_utc: string;
  reporting_category: string;
  source_id: string;
  currency: string;
  gross: string;
  fee: string;
  net: string;
  connected_account?: string;
  transfer_id?: string;
  payment_intent_id?: string;
  transfer_group?: string;
  order_id?: string;
  entity?: string;
  ventil_key?: string;
}

export interface PspAdapter {
  /** `sandbox`, `stripe`, ... (stored on psp_objects and outbox rows). */
  readonly name: string;
  /**
   * How long the PSP remembers an idempotency key (Stripe: 24 hours); null = forever. A call
   * first attempted longer ago than that is looked up (`find`) before it is sent again.
   */
  readonly idempotencyWindowMs: number | null;
  capture(req: CaptureRequest, opts: CallOptions): Promise<PspObject>;
  transfer(req: TransferRequest, opts: CallOptions): Promise<PspObject>;
  reverseTransfer(req: ReversalRequest, opts: CallOptions): Promise<PspObject>;
  refund(req: RefundRequest, opts: CallOptions): Promise<PspObject>;
  payout(req: PayoutRequest, opts: CallOptions): Promise<PspObject>;
  balances(opts?: { timeoutMs?: number }): Promise<PspBalance[]>;
  settlementReport(range: { from: string; to: string }): Promise<SettlementRow[]>;
  /** Finds the object a call with this key created, if the PSP has it (null when it has not). */
  find(type: PspObjectType, hint: { key: string; transferGroup?: string; transferId?: string; paymentId?: string }): Promise<PspObject | null>;
}

/**
 * How a failed call should be handled:
 * - `retryable`: try again later with the same key (5xx, timeouts, connection reset, 409, 429);
 * - `permanent`: the PSP refused the call itself (4xx validation); retrying cannot help;
 * - `offline`: the PSP could not be reached at all (no network); wait, do not count an attempt;
 * - `blocked`: the PSP refused our credentials (401/403); nothing will pass until fixed.
 */
export type Disposition = 'retryable' | 'permanent' | 'offline' | 'blocked';

export class PspError extends Error {
  readonly disposition: Disposition;
  /** True when the PSP may have applied the call (timeout, reset after sending, 5xx). */
  readonly ambiguous: boolean;
  readonly code: string;
  readonly httpStatus: number | null;
  readonly retryAfterMs: number | null;

  constructor(init: { disposition: Disposition; code: string; message: string; ambiguous?: boolean; httpStatus?: number | null; retryAfterMs?: number | null; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PspError';
    this.disposition = init.disposition;
    this.code = init.code;
    this.ambiguous = init.ambiguous ?? false;
    this.httpStatus = init.httpStatus ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
  }
}

/** Node socket error codes that mean the request never left this machine. */
export const OFFLINE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);

/** Parses a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function retryAfterMs(value: string | undefined | null, now: number = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
