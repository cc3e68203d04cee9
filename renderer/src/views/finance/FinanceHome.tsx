// Head office's home (finance, admin, auditor): the network's money on one screen, per currency
// (finance.summary): sales and commissions of the fiscal year to date, escrow held, money
// released but not yet transferred, transfers written and not yet paid by the PSP, and the
// anomalies; each figure opens the view that explains it.
import type { ReactNode } from 'react';
import type { Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import { useApi } from '../../use-api';
import { LoadError, Loading, Page } from '../../components/Page';

type Figures = Output<'finance.summary'>['currencies'][number];

export function FinanceHomeView() {
  const { t, day, dateTime, number } = useI18n();
  const summary = useApi('finance.summary', {});
  const s = summary.data;
  return (
    <Page title={t('financeHome.title')} subtitle={t('financeHome.subtitle')} testId="view-finance-home">
      {summary.error && <LoadError error={summary.error} onRetry={summary.reload} />}
      {!s && !summary.error && <Loading />}
      {s && <p className="small muted">{t('dashboard.asOf', { at: dateTime(s.at) })}{s.from ? ` · ${t('financeHome.since', { from: day(s.from) })}` : ''}</p>}
      {s?.currencies.map((c) => <CurrencyFigures key={c.currency} f={c} many={s.currencies.length > 1} />)}
      {s && (
        <div className="figure-grid">
          <Figure to="/anomalies" label="financeHome.anomalies" testId="figure-anomalies" tone={s.anomalies.errors > 0 ? 'neg' : undefined}
            value={number(s.anomalies.total)} note={t('financeHome.anomaliesSplit', { errors: s.anomalies.errors, warnings: s.anomalies.warnings })} />
        </div>
      )}
    </Page>
  );
}

function CurrencyFigures({ f, many }: { f: Figures; many: boolean }) {
  const { t, money } = useI18n();
  const m = (n: number) => money(n, f.currency);
  return (
    <section aria-label={f.currency} className="figures">
      {many && <h2 className="subsection">{f.currency}</h2>}
      <div className="figure-grid">
        <Figure to="/dashboard" label="financeHome.sales" value={m(f.sales)} note={t('financeHome.salesNote')} testId="figure-sales" />
        <Figure to="/dashboard" label="financeHome.commissions" value={m(f.commissions)} note={t('financeHome.commissionsNote')} testId="figure-commissions" />
        <Figure to="/escrow" label="financeHome.escrow" value={m(f.escrow_held)} note={t('financeHome.escrowNote')} testId="figure-escrow" />
        <Figure to="/release" label="financeHome.released" value={m(f.released_not_transferred)} note={t('financeHome.releasedNote')} testId="figure-released"
          tone={f.released_not_transferred > 0 ? 'warn' : undefined} />
        <Figure to="/release" label="financeHome.due" value={m(f.payouts_due)} note={t('financeHome.dueNote', { n: f.payouts_due_count })} testId="figure-due" />
      </div>
    </section>
  );
}

function Figure({ to, label, value, note, testId, tone }: { to: string; label: MessageKey; value: ReactNode; note: string; testId: string; tone?: 'neg' | 'warn' }) {
  const { t } = useI18n();
  return (
    <a className={`figure card${tone ? ` figure-${tone}` : ''}`} href={href(to)} data-testid={testId}>
      <span className="figure-label">{t(label)}</span>
      <span className="figure-value num">{value}</span>
      <span className="figure-note small muted">{note}</span>
    </a>
  );
}
