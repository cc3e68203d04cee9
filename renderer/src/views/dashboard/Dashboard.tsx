// An entity's period (`dashboard.entity`): sales credited, commissions and royalties earned and
// paid by rule group, PSP fees borne, the payout, what escrow still holds and when it will be
// released, with daily charts. The first cards are the payout's parts, VAT included (the API cuts
// the payout by origin: owned lines net of returns, commissions received, commissions and
// royalties paid, PSP fees), so the payout card is their sum, written out under them. The store manager's home; controllers and head office open it
// for any entity in their scope.
import type { Output } from '../../api';
import { useI18n } from '../../i18n';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { EntityPeriodFilters, useEntityPeriod } from '../../components/EntityPeriod';
import { BarChartCard, LineChartCard } from '../../components/Charts';
import { LoadError, Loading, Page } from '../../components/Page';
import { groupLabel } from '../../labels';

type Dashboard = Output<'dashboard.entity'>;
type DashboardCurrency = Dashboard['currencies'][number];

export function DashboardView({ rest }: { rest: readonly string[] }) {
  const { t, dateTime } = useI18n();
  const entities = useEntities();
  const period = useEntityPeriod(rest);
  const { entity, input } = period;
  const dash = useApi(entity ? 'dashboard.entity' : null, input);
  const data = dash.data;

  return (
    <Page title={entity ? t('dashboard.titleOf', { entity: entities.name(entity) }) : t('dashboard.title')} subtitle={t('dashboard.subtitle')} testId="view-dashboard">
      <EntityPeriodFilters period={period} path="/dashboard">
        {data && <span className="muted small filter-note">{t('dashboard.asOf', { at: dateTime(data.at) })}</span>}
      </EntityPeriodFilters>
      {dash.error && <LoadError error={dash.error} onRetry={dash.reload} />}
      {entity && !data && !dash.error && <Loading />}
      {data && data.currencies.length === 0 && <p className="muted">{t('dashboard.empty')}</p>}
      {data?.currencies.map((c) => <CurrencyBlock key={c.currency} block={c} multi={data.currencies.length > 1} />)}
    </Page>
  );
}

const sum = (xs: { amount: number }[]) => xs.reduce((s, x) => s + x.amount, 0);
const signed = (v: number, text: string) => `${v < 0 ? '−' : '+'} ${text}`;

type Kpi = { key: string; label: string; value: string; tone?: 'neg' | 'pos'; note?: string };

function Kpis({ kpis, testId }: { kpis: Kpi[]; testId: string }) {
  return (
    <dl className="kpis kpis-7" data-testid={testId}>
      {kpis.map((k) => (
        <div className="kpi card" key={k.key} data-kpi={k.key}>
          <dt>{k.label}</dt>
          <dd className={`num kpi-money${k.tone === 'neg' ? ' neg' : ''}`}>{k.value}</dd>
          {k.note && <dd className="kpi-note">{k.note}</dd>}
        </div>
      ))}
    </dl>
  );
}

function CurrencyBlock({ block: c, multi }: { block: DashboardCurrency; multi: boolean }) {
  const { t, money, day } = useI18n();
  const m = (v: number) => money(v, c.currency);
  const groups = [...new Set([...c.earned.map((e) => e.group), ...c.paid.map((p) => p.group)])].sort();
  const byGroup = groups.map((g) => ({
    group: g,
    earned: c.earned.find((e) => e.group === g),
    paid: c.paid.find((p) => p.group === g),
  }));
  const daily = c.daily.map((d) => ({ date: day(d.date), sales_gross: d.sales_gross, payout: d.payout }));
  const upcoming = c.upcoming.map((u) => ({ date: day(u.date), amount: u.amount }));
  const p = c.parts;
  const salesNotes = [
    c.returned_gross > 0 ? t('dashboard.soldReturned', { sold: m(c.sales_gross), returned: m(c.returned_gross) }) : null,
    c.unshipped !== 0 ? t('dashboard.unshipped', { amount: m(c.unshipped) }) : null,
  ].filter((x) => x !== null).join(' · ');
  // The payout's parts and the payout (the sum line follows them), then its escrow split.
  const kpis: Kpi[] = [
    { key: 'sales', label: t('dashboard.sales'), value: m(p.owned), note: salesNotes || undefined },
    { key: 'earned', label: t('dashboard.earned'), value: m(p.earned), note: t('dashboard.exVat', { amount: m(sum(c.earned)) }) },
    { key: 'paid', label: t('dashboard.paid'), value: m(p.paid), tone: p.paid < 0 ? 'neg' : undefined, note: t('dashboard.exVat', { amount: m(-sum(c.paid)) }) },
    { key: 'fees', label: t('dashboard.fees'), value: m(p.fees), tone: p.fees < 0 ? 'neg' : undefined },
    { key: 'payout', label: `= ${t('dashboard.payout')}`, value: m(c.payout), note: t('dashboard.ordersN', { n: c.orders }) },
    { key: 'held', label: t('dashboard.held'), value: m(c.escrow.held) },
    { key: 'released', label: t('dashboard.released'), value: m(c.escrow.released) },
  ];
  return (
    <section className="currency-block" aria-label={multi ? c.currency : undefined} data-currency={c.currency}>
      {multi && <h2 className="section-title">{c.currency}</h2>}
      <Kpis kpis={kpis.slice(0, 5)} testId="dashboard-kpis" />
      <p className="kpi-sum num" data-testid="dashboard-sum">
        {t('dashboard.sum', {
          owned: m(p.owned), earned: signed(p.earned, m(Math.abs(p.earned))), paid: signed(p.paid, m(Math.abs(p.paid))),
          fees: signed(p.fees, m(Math.abs(p.fees))), payout: m(c.payout),
        })}
      </p>
      <Kpis kpis={kpis.slice(5)} testId="dashboard-escrow" />
      <div className="chart-grid">
        <LineChartCard title={t('dashboard.chart.daily')} data={daily} xKey="date" format={{ kind: 'money', currency: c.currency }}
          series={[{ key: 'sales_gross', label: t('dashboard.ordered') }, { key: 'payout', label: t('dashboard.payout') }]} />
        <BarChartCard title={t('dashboard.chart.upcoming')} data={upcoming} xKey="date" format={{ kind: 'money', currency: c.currency }}
          series={[{ key: 'amount', label: t('dashboard.toRelease'), colour: '#3d9970' }]} everyTick={false} />
      </div>
      <h2 className="section-title">{t('dashboard.byGroup')}</h2>
      <div className="table-card card">
        <table className="data" aria-label={t('dashboard.byGroup')}>
          <thead>
            <tr>
              <th scope="col">{t('order.group')}</th>
              <th scope="col" className="num">{t('dashboard.earnedHT')}</th>
              <th scope="col" className="num">{t('dashboard.earnedVAT')}</th>
              <th scope="col" className="num">{t('dashboard.paidHT')}</th>
              <th scope="col" className="num">{t('dashboard.paidVAT')}</th>
              <th scope="col" className="num">{t('dashboard.net')}</th>
            </tr>
          </thead>
          <tbody>
            {byGroup.map((g) => {
              const net = (g.earned?.amount ?? 0) - (g.paid?.amount ?? 0);
              return (
                <tr key={g.group}>
                  <td>{groupLabel(t, g.group)}</td>
                  <td className="num">{g.earned ? m(g.earned.amount) : '—'}</td>
                  <td className="num">{g.earned ? m(g.earned.vat) : '—'}</td>
                  <td className="num">{g.paid ? m(g.paid.amount) : '—'}</td>
                  <td className="num">{g.paid ? m(g.paid.vat) : '—'}</td>
                  <td className={`num${net < 0 ? ' neg' : ''}`}>{m(net)}</td>
                </tr>
              );
            })}
            {byGroup.length === 0 && <tr><td colSpan={6} className="muted">{t('table.empty')}</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
