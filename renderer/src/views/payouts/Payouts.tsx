// A store's payouts (`payouts.list`, `payouts.statement`): the transfers it received (or that
// were taken back) with date, amount, PSP status and the orders each pays; the next expected
// payout; the statement to download as HTML (print it to PDF) or CSV. Every role, within scope.
import { useMemo, useState } from 'react';
import type { ErrorValue, Output } from '../../api';
import { call } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { EntityPeriodFilters, useEntityPeriod } from '../../components/EntityPeriod';
import { downloadFile } from '../../components/csv';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { Drawer, LoadError, Loading, Page } from '../../components/Page';
import { PSP_TONE } from '../release/Release';

type Payout = Output<'payouts.list'>['transfers'][number];

export function PayoutsView({ rest }: { rest: readonly string[] }) {
  const { t, lang, money, date, dateTime } = useI18n();
  const entities = useEntities();
  const period = useEntityPeriod(rest);
  const { entity, input } = period;
  const list = useApi(entity ? 'payouts.list' : null, input);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const data = list.data;
  const rows = useMemo(() => data?.transfers ?? [], [data]);
  const current = rows.find((r) => r.id === selected) ?? null;

  const columns = useMemo<Column<Payout>[]>(() => [
    { id: 'date', header: t('payouts.date'), kind: 'datetime', value: (r) => r.created_at, width: 150, grow: 0 },
    { id: 'kind', header: t('release.kind'), value: (r) => r.kind, text: (r) => t(`release.kind.${r.kind}` as MessageKey), width: 110, grow: 0 },
    { id: 'amount', header: t('release.amount'), kind: 'money', value: (r) => r.amount, currency: (r) => r.currency, width: 130, grow: 0 },
    { id: 'status', header: t('release.pspStatus'), kind: 'status', value: (r) => r.psp_status, status: (r) => ({ label: t(`release.psp.${r.psp_status}` as MessageKey), tone: PSP_TONE[r.psp_status] }), width: 120, grow: 0 },
    { id: 'orders', header: t('payouts.orders'), kind: 'number', value: (r) => r.orders.length, width: 100, grow: 0 },
    { id: 'id', header: t('payouts.transfer'), kind: 'code', value: (r) => r.id, width: 220, grow: 1 },
  ], [t]);

  const download = async (format: 'html' | 'csv') => {
    setError(null);
    const r = await call('payouts.statement', { ...input, format, lang });
    if (!r.ok) { setError(r.error); return; }
    downloadFile(r.value.name, [r.value.content], r.value.mime);
  };

  return (
    <Page title={entity ? t('payouts.titleOf', { entity: entities.name(entity) }) : t('payouts.title')} subtitle={t('payouts.subtitle')} testId="view-payouts"
      actions={entity ? (
        <>
          <button type="button" className="btn" onClick={() => download('html')}>{t('payouts.statementHtml')}</button>
          <button type="button" className="btn" onClick={() => download('csv')}>{t('payouts.statementCsv')}</button>
        </>
      ) : undefined}>
      <EntityPeriodFilters period={period} path="/payouts" />
      {(list.error ?? error) && <LoadError error={(list.error ?? error)!} onRetry={list.reload} />}
      {entity && !data && !list.error && <Loading />}
      {data && (
        <dl className="kpis" data-testid="payouts-kpis">
          {data.totals.map((x) => (
            <div className="kpi card" key={x.currency}>
              <dt>{t('payouts.received', { currency: x.currency })}</dt>
              <dd className="num kpi-money">{money(x.net, x.currency)}</dd>
            </div>
          ))}
          {data.next.amounts.map((x) => (
            <div className="kpi card" key={`next-${x.currency}`} data-testid="next-payout">
              <dt>{t('payouts.next', { date: date(data.next.date) })}</dt>
              <dd className="num kpi-money">{money(x.amount, x.currency)}</dd>
              {x.owed_to_network > 0 && <dd className="kpi-note neg">{t('payouts.owed', { amount: money(x.owed_to_network, x.currency) })}</dd>}
              <dd className="kpi-note">{t('payouts.every', { n: data.next.every_days })}</dd>
            </div>
          ))}
        </dl>
      )}
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable rows={rows} columns={columns} rowKey={(r) => r.id} label={t('payouts.title')} loading={list.loading}
          onRowClick={(r) => setSelected(r.id)} selectedKey={current?.id ?? null} initialSort={{ column: 'date', dir: 'desc' }}
          exportName="versements-recus" testId="payouts-table" maxHeight="calc(100vh - 400px)" />
        {current && (
          <Drawer title={t('payouts.transferOf', { at: dateTime(current.created_at) })} onClose={() => setSelected(null)} testId="payout-drawer">
            <p><Badge tone={PSP_TONE[current.psp_status]}>{t(`release.psp.${current.psp_status}` as MessageKey)}</Badge> <strong className="num">{money(current.amount, current.currency)}</strong></p>
            <table className="table compact" data-testid="payout-orders">
              <thead><tr><th>{t('payouts.order')}</th><th className="num">{t('release.amount')}</th></tr></thead>
              <tbody>
                {current.orders.map((o) => (
                  <tr key={o.order}><td><a href={`#/orders/${encodeURIComponent(o.order)}`}>{o.order}</a></td><td className="num">{money(o.amount, current.currency)}</td></tr>
                ))}
              </tbody>
            </table>
          </Drawer>
        )}
      </div>
    </Page>
  );
}
