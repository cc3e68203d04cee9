// Reads of the customers' payments (table `payments`), with their order's currency where a
// PSP report or the sandbox PSP compares amounts.
import { sqlStatement } from './query.js';
import type { Db } from './db.js';

export interface PaymentWithCurrency { order_id: string; payment_id: string; amount: number; psp_fee: number; captured_at: string; currency: string }

/** A payment by its (PSP) id. */
export function paymentById(db: Db, paymentId: string): PaymentWithCurrency | undefined {
  return sqlStatement(db, `SELECT p.order_id, p.payment_id, p.amount, p.psp_fee, p.captured_at, o.currency FROM payments p JOIN orders o ON o.id = p.order_id
      WHERE p.payment_id = ?`).get(paymentId) as PaymentWithCurrency | undefined;
}

/** The payments of an order of exactly this amount, in payment order. */
export function paymentsOfOrderWithAmount(db: Db, orderId: string, amount: number): Omit<PaymentWithCurrency, 'captured_at'>[] {
  return db.prepare(`SELECT p.order_id, p.payment_id, p.amount, p.psp_fee, o.currency FROM payments p JOIN orders o ON o.id = p.order_id
      WHERE p.order_id = ? AND p.amount = ? ORDER BY p.seq`).all(orderId, amount) as Omit<PaymentWithCurrency, 'captured_at'>[];
}

/** Payments captured in [from, to), by capture time, order and payment. */
export function paymentsCapturedBetween(db: Db, from: string, to: string): PaymentWithCurrency[] {
  return db.prepare(`SELECT p.order_id, p.payment_id, p.amount, p.psp_fee, p.captured_at, o.currency FROM payments p JOIN orders o ON o.id = p.order_id
      WHERE p.captured_at >= ? AND p.captured_at < ? ORDER BY p.captured_at, p.order_id, p.seq`).all(from, to) as PaymentWithCurrency[];
}

/** Every payment's amount, fee and currency. */
export function allPaymentAmounts(db: Db): { amount: number; psp_fee: number; currency: string }[] {
  return db.prepare('SELECT p.amount, p.psp_fee, o.currency FROM payments p JOIN orders o ON o.id = p.order_id').all() as { amount: number; psp_fee: number; currency: string }[];
}

/** An order's payments, in payment order. */
export function paymentsOfOrder(db: Db, orderId: string): { payment_id: string; amount: number }[] {
  return db.prepare('SELECT payment_id, amount FROM payments WHERE order_id = ? ORDER BY seq').all(orderId) as { payment_id: string; amount: number }[];
}

/** The amount of a payment, if stored. */
export function paymentAmount(db: Db, paymentId: string): number | undefined {
  return (db.prepare('SELECT amount FROM payments WHERE payment_id = ?').get(paymentId) as { amount: number } | undefined)?.amount;
}
