// A line's amounts (docs/spec.md section 3): the order discount spread over the lines by their gross
// before line discounts, gross = unit_price × quantity − discounts, VAT included in the gross
// (product first, exact division, half away from zero), net = gross − VAT.
import type { SettlementContext } from './context.js';
import { assertMinor, includedVat, spread, type Minor } from './money.js';
import { ValidationError, type Order } from './scenario.js';

export interface LineAmounts {
  /** Share of the order discount, per line. */
  orderDiscount: Minor[];
  gross: Minor[];
  vat: Minor[];
  net: Minor[];
  /** Sum of the lines' gross: what the payments must add up to. */
  total: Minor;
}

export function lineAmounts(ctx: SettlementContext, order: Order): LineAmounts {
  const lines = order.lines;
  const n = lines.length;
  const before = new Array<number>(n);
  for (let i = 0; i < n; i++) before[i] = assertMinor(lines[i].unit_price * lines[i].quantity, `order ${order.id} line ${lines[i].id} unit_price × quantity`);
  const discount = order.discount ?? 0;
  const orderDiscount = discount === 0 ? new Array<number>(n).fill(0) : spread(discount, before);
  const gross = new Array<number>(n);
  const vat = new Array<number>(n);
  const net = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const g = before[i] - (lines[i].discount ?? 0) - orderDiscount[i];
    if (g < 0) {
      throw new ValidationError([{ path: `lines[${i}].discount`, code: 'negative_amount', message: `order ${order.id} line ${lines[i].id}: discounts exceed unit_price × quantity (gross ${g})` }]);
    }
    gross[i] = g;
    vat[i] = includedVat(g, ctx.rate(lines[i].vat_rate));
    net[i] = g - vat[i];
    total += g;
  }
  return { orderDiscount, gross, vat, net, total: assertMinor(total, `order ${order.id} total`) };
}
