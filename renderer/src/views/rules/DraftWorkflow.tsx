// The rules workflow after a draft is saved (`rules.drafts.*`): what it changes compared with
// the version in force, field by field in the reader's units (rates as percentages, amounts in
// currency units), then publication from now or a chosen date, after a confirmation. The
// simulation sits between the two on the editor's screen.
import { useId, useState } from 'react';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { useMutate } from '../../use-api';
import { formatRate } from '../../format/rates';
import { LoadError } from '../../components/Page';

export type DraftDetail = Output<'rules.drafts.save'>;
type Change = DraftDetail['changes'][number];

/** The currency amounts of a rule (per unit, min, max) are shown in the network's currency. */
const RULE_CURRENCY = 'EUR';

function useValueText() {
  const { t, locale, money } = useI18n();
  return (field: string, v: unknown): string => {
    if (v === null || v === undefined) return '—';
    if (/\.rate$/.test(field) && typeof v === 'string') return formatRate(v, locale);
    if (/\.(per_unit|min|max)$/.test(field) && typeof v === 'number') return money(v, RULE_CURRENCY);
    if (/\.base$/.test(field) && typeof v === 'string') return t(`rule.base.${v}` as MessageKey);
    if (Array.isArray(v)) return v.join(', ');
    if (typeof v === 'object') {
      const leg = v as { to?: string; from?: string; rate?: string };
      if (leg.to) return `${leg.from ?? 'owner'} → ${leg.to} · ${formatRate(leg.rate ?? '0', locale)}`;
      return JSON.stringify(v);
    }
    return String(v);
  };
}

function fieldLabel(t: (k: MessageKey, p?: Record<string, string | number>) => string, field: string): string {
  const leg = /^legs\[(\d+)\](?:\.(\w+))?$/.exec(field);
  if (leg) return leg[2] ? `${t('rule.legs')} ${Number(leg[1]) + 1} · ${t(`rule.leg.${leg[2]}` as MessageKey)}` : `${t('rule.legs')} ${Number(leg[1]) + 1}`;
  if (field.startsWith('when.')) return t(`rule.when.${field.slice(5)}` as MessageKey);
  return t(`rule.${field}` as MessageKey);
}

export function DraftCompare({ detail }: { detail: DraftDetail }) {
  const { t } = useI18n();
  const text = useValueText();
  const changes: Change[] = detail.changes;
  return (
    <section className="card section" data-testid="draft-compare" aria-labelledby="draft-compare-title">
      <h2 id="draft-compare-title" className="section-title">
        {detail.current ? t('rule.draft.compareWith', { version: detail.current.version }) : t('rule.draft.newRule')}
      </h2>
      {detail.stale && <p className="alert alert-warning">{t('rule.draft.stale')}</p>}
      {changes.length === 0 ? <p className="muted">{t('rule.draft.noChange')}</p> : (
        <table className="table compact" aria-label={t('rule.draft.changes')}>
          <thead><tr><th scope="col">{t('rule.draft.field')}</th><th scope="col">{t('rule.draft.current')}</th><th scope="col">{t('rule.draft.draft')}</th></tr></thead>
          <tbody>
            {changes.map((c) => (
              <tr key={c.field} data-field={c.field} data-change={c.change}>
                <td>{fieldLabel(t, c.field)}</td>
                <td className="muted">{text(c.field, c.current)}</td>
                <td><strong>{text(c.field, c.draft)}</strong></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail.conflicts.length > 0 && <p className="alert alert-warning">{t('rule.draft.conflicts', { n: detail.conflicts.length })}</p>}
    </section>
  );
}

/** Publication of a saved draft: now or from a date (date picker), after a confirmation. */
export function DraftPublish({ detail, dirty, onPublished }: { detail: DraftDetail; dirty: boolean; onPublished(id: string): void }) {
  const { t, date } = useI18n();
  const mutate = useMutate();
  const today = new Date().toISOString().slice(0, 10);
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [day, setDay] = useState(today);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const ids = { now: useId(), later: useId(), day: useId() };
  const version = (detail.current?.version ?? 0) + 1;
  const startText = when === 'now' ? t('rule.draft.fromNow') : t('rule.draft.fromDay', { day: date(day) });
  const publish = async () => {
    setError(null);
    const r = await mutate('rules.drafts.publish', { id: detail.draft.id, ...(when === 'later' ? { valid_from: day } : {}) });
    if (r.ok) onPublished(r.value.rule.id); else { setConfirming(false); setError(r.error); }
  };
  return (
    <section className="card section" data-testid="draft-publish" aria-labelledby="draft-publish-title">
      <h2 id="draft-publish-title" className="section-title">{t('rule.draft.publishTitle')}</h2>
      {dirty && <p className="alert alert-warning">{t('rule.draft.dirty')}</p>}
      <div className="filters" role="radiogroup" aria-label={t('rule.draft.start')}>
        <label className="check-pill" htmlFor={ids.now}><input id={ids.now} type="radio" name="start" checked={when === 'now'} onChange={() => setWhen('now')} /> {t('rule.draft.now')}</label>
        <label className="check-pill" htmlFor={ids.later}><input id={ids.later} type="radio" name="start" checked={when === 'later'} onChange={() => setWhen('later')} /> {t('rule.draft.later')}</label>
        {when === 'later' && (
          <div className="filter">
            <label htmlFor={ids.day}>{t('rule.draft.startDay')}</label>
            <input id={ids.day} type="date" min={today} value={day} onChange={(e) => setDay(e.target.value)} />
          </div>
        )}
      </div>
      {error && <LoadError error={error} />}
      {!confirming ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" disabled={dirty || detail.stale} onClick={() => setConfirming(true)}>{t('rule.draft.publish')}</button>
        </div>
      ) : (
        <div className="confirm" role="alertdialog" aria-label={t('rule.draft.publish')}>
          <p>{t('rule.draft.confirm', { id: detail.draft.rule_id, version, start: startText })}</p>
          <div className="form-actions">
            <button type="button" className="btn btn-primary" onClick={publish}>{t('rule.draft.confirmPublish')}</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </section>
  );
}
