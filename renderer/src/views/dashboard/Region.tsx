// The regional controller's overview (and head office's view by entity): every entity in
// scope with its sales, commissions, payout and escrow, read from `dashboard.entity` one entity
// at a time (with progress and Cancel). A row opens that entity's dashboard.
import { useEffect, useId, useMemo, useState } from 'react';
import { call, type ErrorValue } from '../../api';
import { useReconnect } from '../../connection';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { LongTaskBar, useLongTask } from '../../components/LongTask';
import { BarChartCard } from '../../components/Charts';
import { LoadError, Page } from '../../components/Page';

interface Row {
  key: string; entity: string; name: string; region: string | null; currency: string;
  orders: number; owned: number; earned: number; paid: number; fees: number; payout: number; held: number; released: number;
}

export function RegionView() {
  const { t } = useI18n();
  const entities = useEntities();
  const task = useLongTask();
  const runTask = task.run;
  const [rows, setRows] = useState<Row[] | null>(null);
  // An entity that cannot be read fails the whole table (a partial total would mislead); the
  // rows shown stay until a load succeeds, and a load that failed offline runs again by itself.
  const [error, setError] = useState<ErrorValue | null>(null);
  const [attempt, setAttempt] = useState(0);
  useReconnect(useMemo(() => (error?.code === 'network' ? () => setAttempt((a) => a + 1) : null), [error]));
  const [region, setRegion] = useState('');
  const regionId = useId();
  const regions = useMemo(() => [...new Set(entities.mine.map((e) => e.region).filter((r): r is string => !!r))].sort(), [entities.mine]);
  const targets = useMemo(() => entities.mine.filter((e) => !region || e.region === region), [entities.mine, region]);

  useEffect(() => {
    if (entities.loading) return;
    void runTask(t('region.loading'), async ({ signal, progress }) => {
      const out: Row[] = [];
      let done = 0;
      for (const e of targets) {
        const r = await call('dashboard.entity', { entity: e.id }, { signal });
        if (signal.aborted) throw new Error('cancelled');
        if (!r.ok) {
          if (r.error.code !== 'aborted') setError(r.error);
          throw Object.assign(new Error(r.error.message), { error: r.error });
        }
        for (const c of r.value.currencies) {
          out.push({
            key: `${e.id}|${c.currency}`, entity: e.id, name: e.name, region: e.region, currency: c.currency, orders: c.orders,
            // The payout's parts, VAT included: the columns add up to the payout, as the dashboard's cards.
            owned: c.parts.owned, earned: c.parts.earned, paid: c.parts.paid, fees: c.parts.fees,
            payout: c.payout, held: c.escrow.held, released: c.escrow.released,
          });
        }
        progress(++done, targets.length);
      }
      return out;
    }).then((r) => { if (r) { setRows(r); setError(null); } });
  }, [targets, entities.loading, runTask, t, attempt]);

  const columns = useMemo<Column<Row>[]>(() => [
    { id: 'name', header: t('order.entity'), value: (r) => r.name, search: (r) => r.entity, width: 170, grow: 2 },
    { id: 'region', header: t('entity.region'), value: (r) => r.region, width: 80, grow: 0, priority: 'low' },
    { id: 'orders', header: t('overview.orders'), kind: 'number', value: (r) => r.orders, width: 100, grow: 0, priority: 'low' },
    { id: 'owned', header: t('dashboard.sales'), kind: 'money', value: (r) => r.owned, currency: (r) => r.currency, width: 110 },
    { id: 'earned', header: t('region.earned'), kind: 'money', value: (r) => r.earned, currency: (r) => r.currency, width: 110 },
    { id: 'paid', header: t('region.paid'), kind: 'money', value: (r) => r.paid, currency: (r) => r.currency, width: 110 },
    { id: 'fees', header: t('dashboard.fees'), kind: 'money', value: (r) => r.fees, currency: (r) => r.currency, width: 100, priority: 'low' },
    { id: 'payout', header: t('dashboard.payout'), kind: 'money', value: (r) => r.payout, currency: (r) => r.currency, width: 110 },
    { id: 'held', header: t('dashboard.held'), kind: 'money', value: (r) => r.held, currency: (r) => r.currency, width: 115 },
    { id: 'released', header: t('dashboard.released'), kind: 'money', value: (r) => r.released, currency: (r) => r.currency, width: 115, priority: 'low' },
  ], [t]);

  const chart = useMemo(() => (rows ?? []).filter((r) => r.currency === 'EUR').map((r) => ({ entity: r.entity, payout: r.payout, held: r.held })), [rows]);

  return (
    <Page title={t('region.title')} subtitle={t('region.subtitle')} testId="view-region">
      {regions.length > 1 && (
        <div className="filters card" role="search" aria-label={t('orders.filters')}>
          <div className="filter">
            <label htmlFor={regionId}>{t('entity.region')}</label>
            <select id={regionId} value={region} onChange={(e) => setRegion(e.target.value)}>
              <option value="">{t('region.allRegions')}</option>
              {regions.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </div>
        </div>
      )}
      {error && <LoadError error={error} onRetry={() => setAttempt((a) => a + 1)} />}
      <LongTaskBar task={task} />
      {chart.length > 0 && (
        <div className="chart-single">
          <BarChartCard title={t('region.chart')} data={chart} xKey="entity" format={{ kind: 'money', currency: 'EUR' }} height={200}
            series={[{ key: 'payout', label: t('dashboard.payout') }, { key: 'held', label: t('dashboard.held'), colour: '#d9822b' }]} />
        </div>
      )}
      <DataTable
        rows={rows ?? []} columns={columns} rowKey={(r) => r.key} label={t('region.title')} loading={rows === null}
        onRowClick={(r) => navigate(`/dashboard/${encodeURIComponent(r.entity)}`)} initialSort={{ column: 'payout', dir: 'desc' }}
        exportName="vue-regionale" testId="region-table" maxHeight="60vh"
      />
    </Page>
  );
}
