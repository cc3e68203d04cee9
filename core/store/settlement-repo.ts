// Stored settlements: each computation of an order that changes its result appends a new
// revision (lines, legs, entity shares) and moves the `settlements` pointer to it. Nothing
// is updated in place, so every past allocation, with the rule `id@version` it used, stays
// readable. Bulk writes use prepared statements: this is the hot path of a million lines.
import { createHash } from 'node:crypto';
import type { EntityShare } from '../domain/shares.js';
import type { OrderSettlement } from '../domain/settlement-types.js';
import type { Sqlite } from './sqlite.js';

export interface SettlementWriter {
  /** Stores one order's settlement; returns the new revision, or null when nothing changed. */
  write(os: OrderSettlement, shares: readonly EntityShare[], computedAt: string, reason: string): number | null;
}

/** A digest of everything stored for an order: equal digests mean an identical settlement. */
export function settlementDigest(os: OrderSettlement, shares: readonly EntityShare[]): string {
  const h = createHash('sha256');
  h.update(`${os.id}|${os.currency}|${os.captured}|${os.psp_fees}|${os.refunded}|${JSON.stringify(os.warnings)}\n`);
  for (const l of os.lines) {
    const r = l.roles;
    h.update(`L|${l.id}|${l.status}|${l.fulfiller}|${r.owner}|${r.shipper}|${r.pickup}|${r.catchment}|${r.origin}|${r.seller}|${l.gross}|${l.vat}|${l.net}|${l.fee_share}|${l.returned}|${l.refunded}|${l.detail.reversed_gross}|${l.detail.reversed_vat}|${l.detail.release_at}|${JSON.stringify(l.decisions)}\n`);
    for (const g of l.legs) {
      h.update(`G|${g.group}|${g.rule}|${g.to_role}|${g.to}|${g.from_role}|${g.from}|${g.base}|${g.rate}|${g.amount}|${g.vat}|${g.void}|${g.reversed_amount}|${g.reversed_vat}\n`);
    }
  }
  for (const s of shares) h.update(`S|${s.line}|${s.entity}|${s.kind}|${s.amount}|${s.release_at}\n`);
  return h.digest('hex');
}

export function settlementWriter(db: Sqlite): SettlementWriter {
  const current = db.prepare('SELECT revision, input_hash FROM settlements WHERE order_id = ?');
  const upsert = db.prepare(`INSERT INTO settlements (order_id, revision, input_hash, computed_at, currency, captured, psp_fees, refunded, warnings_json, closed)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET revision = excluded.revision, input_hash = excluded.input_hash, computed_at = excluded.computed_at,
      captured = excluded.captured, psp_fees = excluded.psp_fees, refunded = excluded.refunded, warnings_json = excluded.warnings_json, closed = excluded.closed`);
  const putRevision = db.prepare('INSERT INTO settlement_revisions (order_id, revision, input_hash, computed_at, reason) VALUES (?, ?, ?, ?, ?)');
  const putLine = db.prepare(`INSERT INTO settlement_lines (order_id, revision, line_id, seq, status, fulfiller, owner, shipper, pickup, catchment, origin, seller,
    gross, vat, net, fee_share, returned, refunded, reversed_gross, reversed_vat, release_at, decisions_json)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const putLeg = db.prepare(`INSERT INTO settlement_legs (order_id, revision, line_id, seq, rule_group, rule_ref, to_role, to_entity, from_role, from_entity,
    base, rate, amount, vat, void, reversed_amount, reversed_vat) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const putShare = db.prepare(`INSERT INTO entity_shares (order_id, revision, line_id, entity, kind, amount, currency, release_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  const putParty = db.prepare('INSERT OR IGNORE INTO order_parties (entity, order_id, created_at) VALUES (?, ?, ?)');

  return {
    write(os, shares, computedAt, reason) {
      const digest = settlementDigest(os, shares);
      const prev = current.get(os.id) as { revision: number; input_hash: string } | undefined;
      if (prev && prev.input_hash === digest) return null;
      const rev = (prev?.revision ?? 0) + 1;
      const closed = os.lines.every((l) => l.status === 'cancelled' || l.status === 'returned' || l.detail.released) ? 1 : 0;
      upsert.run(os.id, rev, digest, computedAt, os.currency, os.captured, os.psp_fees, os.refunded, JSON.stringify(os.warnings), closed);
      putRevision.run(os.id, rev, digest, computedAt, reason);
      const parties = new Set<string>([os.platform]);
      for (let i = 0; i < os.lines.length; i++) {
        const l = os.lines[i]!;
        const r = l.roles;
        putLine.run(os.id, rev, l.id, i, l.status, l.fulfiller, r.owner, r.shipper, r.pickup, r.catchment, r.origin, r.seller,
          l.gross, l.vat, l.net, l.fee_share, l.returned, l.refunded, l.detail.reversed_gross, l.detail.reversed_vat, l.detail.release_at,
          JSON.stringify(l.decisions));
        for (const e of [r.owner, r.shipper, r.pickup, r.catchment, r.origin, r.seller]) if (e !== null) parties.add(e);
        for (let j = 0; j < l.legs.length; j++) {
          const g = l.legs[j]!;
          putLeg.run(os.id, rev, l.id, j, g.group, g.rule, g.to_role, g.to, g.from_role, g.from, g.base, g.rate, g.amount, g.vat, g.void,
            g.reversed_amount, g.reversed_vat);
        }
      }
      for (const s of shares) {
        putShare.run(os.id, rev, s.line, s.entity, s.kind, s.amount, os.currency, s.release_at);
        parties.add(s.entity);
      }
      for (const e of parties) putParty.run(e, os.id, os.created_at);
      return rev;
    },
  };
}

export interface OrderSummaryRow {
  order_id: string; revision: number; currency: string; captured: number; psp_fees: number; refunded: number; closed: number;
}

export function currentSettlement(db: Sqlite, orderId: string): OrderSummaryRow | undefined {
  return db.prepare('SELECT order_id, revision, currency, captured, psp_fees, refunded, closed FROM settlements WHERE order_id = ?').get(orderId) as OrderSummaryRow | undefined;
}

/** The current entity shares of some orders (or all). */
export function currentShares(db: Sqlite, orderIds?: readonly string[]): (EntityShare & { order: string; currency: string })[] {
  const sql = `SELECT s.order_id AS "order", s.line_id AS line, s.entity, s.kind, s.amount, s.currency, s.release_at
    FROM entity_shares s JOIN settlements c ON c.order_id = s.order_id AND c.revision = s.revision
    ${orderIds ? 'WHERE s.order_id IN (SELECT value FROM json_each(?))' : ''} ORDER BY s.order_id, s.line_id, s.entity, s.kind`;
  return (orderIds ? db.prepare(sql).all(JSON.stringify(orderIds)) : db.prepare(sql).all()) as (EntityShare & { order: string; currency: string })[];
}
