// Anomalies in the user's language (issue 15, review item 4): each kind's label and description,
// and each anomaly's sentence, built from its fields (entities, order, amount, details) with
// formatted money, never the API's English message over minor units or a raw kind code. A kind
// added later without a translation shows its API description and message, so nothing is lost.
import type { Output } from '../../api';
import type { I18n, MessageKey } from '../../i18n';
import type { Entities } from '../../entities';

export type Anomaly = Output<'anomalies.list'>['anomalies'][number];

export const ANOMALY_KINDS = [
  'escrow_not_zero', 'negative_balance', 'missing_psp_account', 'released_not_transferred',
  'transfer_not_sent', 'offer_overdue', 'reconciliation_mismatch', 'books_not_posted',
] as const;
type Known = (typeof ANOMALY_KINDS)[number];
const known = (kind: string): kind is Known => (ANOMALY_KINDS as readonly string[]).includes(kind);

/** "Libéré non viré"; an unknown kind: its code with spaces (the API describes it). */
export function anomalyKindLabel(t: I18n['t'], kind: string): string {
  return known(kind) ? t(`anomaly.kind.${kind}` as MessageKey) : kind.replace(/_/g, ' ');
}

export function anomalyKindDescription(t: I18n['t'], kind: string, api: string): string {
  return known(kind) ? t(`anomaly.describe.${kind}` as MessageKey) : api;
}

const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function anomalyText(a: Anomaly, i18n: I18n, entities: Entities): string {
  const { t } = i18n;
  const money = (minor: unknown) => (typeof minor === 'number' ? i18n.money(minor, a.currency ?? 'EUR') : '');
  const entity = entities.name(a.entities[0] ?? null);
  const d = a.details ?? {};
  switch (a.kind) {
    case 'escrow_not_zero': {
      const reason = str(d.reason);
      const why = ['no_psp_account', 'netted_against_debt', 'not_released'].includes(reason) ? t(`anomaly.escrowReason.${reason}` as MessageKey) : reason;
      return t('anomaly.text.escrow_not_zero', { order: a.order ?? '', amount: money(a.amount), entity, why });
    }
    case 'negative_balance':
      return t(a.severity === 'error' ? 'anomaly.text.negative_balance.error' : 'anomaly.text.negative_balance', { entity, amount: money(-(a.amount ?? 0)) });
    case 'missing_psp_account':
      return t('anomaly.text.missing_psp_account', { entity, amount: money(a.amount) });
    case 'released_not_transferred': {
      const missed = typeof d.missed_last_run === 'number' ? d.missed_last_run : 0;
      return missed > 0
        ? t('anomaly.text.released_not_transferred.missed', { entity, amount: money(a.amount), missed: money(missed) })
        : t('anomaly.text.released_not_transferred', { entity, amount: money(a.amount) });
    }
    case 'transfer_not_sent':
      return t('anomaly.text.transfer_not_sent', { id: (a.ref ?? '').replace(/^transfer:/, ''), amount: money(a.amount), entity, run: str(d.run) });
    case 'offer_overdue':
      return t('anomaly.text.offer_overdue', { order: a.order ?? '', entity });
    case 'reconciliation_mismatch':
      return a.amount !== undefined
        ? t('anomaly.text.reconciliation_mismatch', { difference: money(a.amount), entity: a.entities.length ? entity : t('anomaly.noEntity') })
        : t('anomaly.text.reconciliation_mismatch.noAmount', { entity: a.entities.length ? entity : t('anomaly.noEntity') });
    case 'books_not_posted':
      return t('anomaly.text.books_not_posted', { order: a.order ?? '—', since: typeof d.since === 'string' ? i18n.dateTime(d.since) : '—' });
    default:
      return a.message;
  }
}
