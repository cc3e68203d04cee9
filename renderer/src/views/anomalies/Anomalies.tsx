// Anomalies a finance controller must look at (`anomalies.list`): escrow not reaching zero,
// negative balances, missing PSP accounts, transfers not sent, overdue requests, events not in
// the books... each with its severity, the entities concerned and, when there is one, the order.
import { useMemo, useState } from 'react';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { LoadError, Page } from '../../components/Page';

import { anomalyKindDescription, anomalyKindLabel, anomalyText, type Anomaly } from './anomaly-text';

export function AnomaliesView() {
  const i18n = useI18n();
  const { t, dateTime } = i18n;
  const entities = useEntities();
  const [kind, setKind] = useState<string | null>(null);
  const list = useApi('anomalies.list');
  const data = list.data;
  const describe = useMemo(() => new Map((data?.kinds ?? []).map((k) => [k.kind, anomalyKindDescription(t, k.kind, k.description)])), [data, t]);
  const rows = useMemo(() => (data?.anomalies ?? []).filter((a) => kind === null || a.kind === kind), [data, kind]);

  const columns = useMemo<Column<Anomaly>[]>(() => [
    { id: 'severity', header: t('anomalies.severity'), kind: 'status', value: (a) => a.severity, status: (a) => ({ label: t(a.severity === 'error' ? 'anomalies.error' : 'anomalies.warning'), tone: a.severity === 'error' ? 'red' : 'amber' }), width: 100, grow: 0 },
    { id: 'kind', header: t('anomalies.kind'), value: (a) => anomalyKindLabel(t, a.kind), search: (a) => a.kind, width: 170, grow: 0 },
    { id: 'message', header: t('anomalies.message'), value: (a) => anomalyText(a, i18n, entities), width: 320, grow: 3 },
    { id: 'entities', header: t('anomalies.entities'), value: (a) => a.entities.map((e) => entities.name(e)).join(', '), search: (a) => a.entities.join(' '), width: 180, grow: 1 },
    { id: 'order', header: t('orders.id'), kind: 'code', value: (a) => a.order ?? null, width: 110, grow: 0 },
    { id: 'amount', header: t('order.amount'), kind: 'money', value: (a) => a.amount ?? null, currency: (a) => a.currency ?? 'EUR', width: 120, grow: 0 },
  ], [t, i18n, entities]);

  return (
    <Page title={t('anomalies.title')} subtitle={t('anomalies.subtitle')} testId="view-anomalies">
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      {data && (
        <div className="anomaly-kinds" role="group" aria-label={t('anomalies.kind')}>
          <button type="button" className={`kind-chip${kind === null ? ' active' : ''}`} aria-pressed={kind === null} onClick={() => setKind(null)}>
            {t('anomalies.all')} <span className="num">{data.anomalies.length}</span>
          </button>
          {data.kinds.map((k) => (
            <button type="button" key={k.kind} className={`kind-chip${kind === k.kind ? ' active' : ''}${data.counts[k.kind] ? ' has' : ''}`} aria-pressed={kind === k.kind}
              onClick={() => setKind(k.kind)} title={describe.get(k.kind)} data-kind={k.kind}>
              {anomalyKindLabel(t, k.kind)} <span className="num">{data.counts[k.kind] ?? 0}</span>
            </button>
          ))}
          <span className="muted small push-right">{t('dashboard.asOf', { at: dateTime(data.at) })}</span>
        </div>
      )}
      {kind && describe.get(kind) && <p className="muted small">{describe.get(kind)}</p>}
      {data && data.failures.length > 0 && (
        <div className="alert alert-warning" role="status">{t('anomalies.failures', { kinds: data.failures.map((f) => anomalyKindLabel(t, f.kind)).join(', ') })}</div>
      )}
      {data && data.anomalies.length === 0 && (
        <p className="all-clear" role="status" data-testid="anomalies-clear"><Badge tone="green">{t('anomalies.none')}</Badge> {t('anomalies.noneText')}</p>
      )}
      <DataTable
        rows={rows} columns={columns} rowKey={(a) => `${a.kind}|${a.ref ?? ''}|${a.order ?? ''}|${a.entities.join(',')}|${a.message}`} label={t('anomalies.title')}
        loading={list.loading} onRowClick={(a) => { if (a.order) navigate(`/orders/${encodeURIComponent(a.order)}`); }}
        initialSort={{ column: 'severity', dir: 'asc' }} exportName="anomalies" testId="anomalies-table"
      />
    </Page>
  );
}
