// Closing (head office finance; auditors read): each entity's fiscal years and months, open or
// closed, and for the one chosen the checks before closing (journal.periods.checks): every
// reason it cannot be closed yet, each with what to do about it (post the books, send the
// period's invoices, retry a transfer in the outbox, add an exchange rate). Closing is final and
// asks for a confirmation; a closed fiscal year's FEC is then downloadable from the Books view.
import { useCallback, useMemo, useState } from 'react';
import { HEAD_OFFICE_WRITERS } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type Translate } from '../../i18n';
import { href } from '../../router';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities } from '../../entities';
import { Badge } from '../../components/Badge';
import { LoadError, Notice, Page } from '../../components/Page';
import { EntityFilter } from '../../components/EntityFilter';

type Periods = Output<'journal.periods.list'>;
type PeriodRow = Periods['years'][number]['months'][number];
type Checks = Output<'journal.periods.checks'>;
type Reason = Checks['reasons'][number];

/**
 * The period to open on: the month after the last closed one (months are closed in order), if it
 * is over; else the oldest month over and still open; else the latest fiscal year.
 */
function firstToClose(years: Periods['years'], today: string): string {
  const months = years.flatMap((y) => y.months);
  const last = months.findLastIndex((m) => m.closed);
  const next = months.slice(last + 1).find((m) => !m.closed && today && m.end < today);
  return next?.name ?? months.find((m) => !m.closed && today && m.end < today)?.name ?? years.at(-1)?.name ?? '';
}

export function ClosingView() {
  const { t } = useI18n();
  const { user } = useSession();
  const writer = HEAD_OFFICE_WRITERS.includes(user.role);
  const entities = useEntities();
  const [chosenEntity, setEntity] = useState('');
  const entity = chosenEntity || (entities.mine.find((e) => e.kind === 'franchisor')?.id ?? entities.mine[0]?.id ?? '');
  const periods = useApi(entity ? 'journal.periods.list' : null, { entity });
  const [chosen, setChosen] = useState<{ entity: string; period: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const years = useMemo(() => (periods.data?.entity === entity ? periods.data.years : []), [periods.data, entity]);
  // Today as of the calendar's answer (rendering reads no clock).
  const today = periods.updatedAt ? new Date(periods.updatedAt).toISOString().slice(0, 10) : '';
  const period = chosen?.entity === entity ? chosen.period : firstToClose(years, today);

  return (
    <Page title={t('closing.title')} subtitle={t('closing.subtitle')} testId="view-closing">
      <Notice text={notice} onDone={clearNotice} />
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <EntityFilter value={entity} onChange={(e) => { setEntity(e); setChosen(null); }} />
        {periods.data && <span className="filter-note small muted">{t('closing.fiscalYearEnd', { end: periods.data.fiscal_year_end })}</span>}
      </div>
      {periods.error && <LoadError error={periods.error} onRetry={periods.reload} />}
      <div className="closing-layout">
        <table className="data periods" aria-label={t('closing.periods')} data-testid="closing-periods">
          <thead><tr><th scope="col">{t('closing.period')}</th><th scope="col">{t('closing.dates')}</th><th scope="col">{t('closing.state')}</th></tr></thead>
          <tbody>
            {years.slice().reverse().map((y) => [y, ...y.months.slice().reverse()].map((p) => (
              <tr key={p.name} className={`${p.kind === 'year' ? 'period-year' : 'period-month'}${p.name === period ? ' selected' : ''}`} aria-selected={p.name === period}>
                <td>
                  <button type="button" className="link-button" onClick={() => setChosen({ entity, period: p.name })} data-period={p.name}>
                    {p.kind === 'year' ? t('closing.year', { name: p.name }) : p.name}
                  </button>
                </td>
                <td className="small muted">{p.start} → {p.end}</td>
                <td><PeriodBadge p={p} today={today} /></td>
              </tr>
            )))}
          </tbody>
        </table>
        {entity && period && <PeriodChecks key={`${entity}/${period}`} entity={entity} period={period} writer={writer} onDone={setNotice} />}
      </div>
    </Page>
  );
}

function PeriodBadge({ p, today }: { p: PeriodRow; today: string }) {
  const { t, dateTime } = useI18n();
  if (p.closed) return <Badge tone="green" title={p.closed_at ? dateTime(p.closed_at) : undefined}>{t('closing.closed')}</Badge>;
  if (p.end >= today) return <Badge tone="grey">{t('closing.running')}</Badge>;
  return <Badge tone="amber">{t('closing.open')}</Badge>;
}

/** The checks of one period, what to do about each reason, and the closing itself. */
function PeriodChecks({ entity, period, writer, onDone }: { entity: string; period: string; writer: boolean; onDone(text: string): void }) {
  const { t, dateTime } = useI18n();
  const checks = useApi('journal.periods.checks', { entity, period });
  const mutate = useMutate();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const c = checks.data;
  const act = async (what: () => Promise<{ ok: boolean; error?: ErrorValue }>, text: string) => {
    setBusy(true);
    setError(null);
    const r = await what();
    setBusy(false);
    if (r.ok) onDone(text); else setError(r.error ?? null);
    return r.ok;
  };
  const codes = new Set(c?.reasons.map((r) => r.code));
  const close = async () => {
    if (await act(() => mutate('journal.periods.close', { entity, period }), t('closing.closedDone', { entity, period }))) setConfirming(false);
  };
  return (
    <section className="card closing-checks" aria-labelledby="checks-title" data-testid="closing-checks">
      <h2 id="checks-title" className="subsection">{t('closing.checksOf', { entity, period })}</h2>
      {checks.error && <LoadError error={checks.error} onRetry={checks.reload} />}
      {c && c.closed && (
        <>
          <p data-testid="closing-verdict"><Badge tone="green">{t('closing.closedOn', { at: dateTime(c.closed_at ?? '') })}</Badge></p>
          {c.period.kind === 'year' && <p><a href={href('/books')}>{t('closing.fecInBooks', { year: c.period.name })}</a></p>}
        </>
      )}
      {c && !c.closed && !c.ended && <p data-testid="closing-verdict"><Badge tone="grey">{t('closing.notEnded', { end: c.period.end })}</Badge></p>}
      {c && !c.closed && c.ended && (
        c.reasons.length === 0
          ? <p data-testid="closing-verdict"><Badge tone="green">{t('closing.ready')}</Badge></p>
          : (
            <>
              <p data-testid="closing-verdict"><Badge tone="amber">{t('closing.blocked', { n: c.reasons.length })}</Badge></p>
              <ul className="reasons" data-testid="closing-reasons">
                {c.reasons.map((r, i) => <li key={i} data-code={r.code}><ReasonText r={r} t={t} /></li>)}
              </ul>
            </>
          )
      )}
      {error && <LoadError error={error} />}
      {c && !c.closed && writer && (
        <div className="form-actions">
          {codes.has('invoice_not_sent') && (
            <button type="button" className="btn" disabled={busy}
              onClick={() => void act(() => mutate('invoices.send', { entity, period }), t('closing.invoicesSent'))}>{t('closing.sendInvoices')}</button>
          )}
          {(codes.has('invoice_not_issued') || codes.has('unposted_event') || codes.has('fx_rate_missing')) && (
            <button type="button" className="btn" disabled={busy} onClick={() => void act(() => mutate('journal.post', {}), t('closing.posted'))}>{t('closing.post')}</button>
          )}
          {codes.has('transfer_not_sent') && <a className="btn" href={href('/sync')}>{t('closing.toOutbox')}</a>}
          {codes.has('fx_rate_missing') && <a className="btn" href={href('/registry/settings')}>{t('closing.toRates')}</a>}
          {c.closable && !confirming && <button type="button" className="btn btn-primary push-right" onClick={() => setConfirming(true)}>{t('closing.close', { period })}</button>}
        </div>
      )}
      {confirming && c && (
        <div className="confirm" role="alertdialog" aria-label={t('closing.close', { period })}>
          <p>{t(c.period.kind === 'year' ? 'closing.confirmYear' : 'closing.confirmMonth', { entity, period })}</p>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={() => void close()} disabled={busy} autoFocus>{t('closing.confirm')}</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </section>
  );
}

/** A reason in the user's language, with the figures it is about. */
function ReasonText({ r, t }: { r: Reason; t: Translate }) {
  const { money } = useI18n();
  const s = r.subject;
  switch (r.code) {
    case 'fx_rate_missing': return <>{t('closing.reason.fx', { event: s.event ?? '', detail: s.detail ?? '' })}</>;
    case 'unposted_event': return <>{t('closing.reason.unposted', { event: s.event ?? '', detail: s.detail ?? '' })}</>;
    case 'invoice_not_issued': return <>{t(s.kind === 'credit_note' ? 'closing.reason.creditNotIssued' : 'closing.reason.invoiceNotIssued', { supplier: s.supplier ?? '', customer: s.customer ?? '', month: s.month ?? '' })}</>;
    case 'invoice_not_sent': return <>{t(s.kind === 'credit_note' ? 'closing.reason.creditNotSent' : 'closing.reason.invoiceNotSent', { number: s.invoice ?? '', supplier: s.supplier ?? '', customer: s.customer ?? '', amount: s.amount !== undefined ? money(s.amount, s.currency ?? 'EUR') : '' })}</>;
    case 'transfer_not_sent': return <>{t('closing.reason.transfer', { transfer: s.transfer ?? '', entity: s.entity ?? '', amount: s.amount !== undefined ? money(s.amount, s.currency ?? 'EUR') : '', status: t(`closing.call.${s.status ?? 'none'}` as 'closing.call.none') })}</>;
  }
}
