// Orders with their settlement totals. The whole period is loaded page by page (with progress
// and Cancel) into the DataTable, which then sorts and filters locally, so a controller can
// work through 100,000 orders offline. With an entity chosen, each order shows that entity's
// payout. A row opens the order and the explanation of every amount.
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { call, type ErrorValue, type Output } from '../../api';
import { useI18n } from '../../i18n';
import { navigate, usePath } from '../../router';
import { useSession } from '../../session';
import { useEntities } from '../../entities';
import { useReconnect } from '../../connection';
import { CHANNEL_TONE, channelLabel } from '../../labels';
import { DataTable, type Column } from '../../components/DataTable';
import { LongTaskBar, useLongTask } from '../../components/LongTask';
import { LoadError, Page } from '../../components/Page';
import { OrderDetailView } from './OrderDetail';

type OrderList = Output<'orders.list'>;
type OrderRow = OrderList['rows'][number];

// `orders.list` pages by a keyset cursor (each page costs the same); 20,000 rows keeps 100,000
// orders to five calls while progress and Cancel stay meaningful.
const PAGE = 20_000;

export interface OrderFilter { entity: string; from: string; to: string; closed: '' | 'open' | 'closed' }

/** Every order of the filter, page by page; stops when cancelled. */
export async function loadOrders(f: OrderFilter, signal: AbortSignal, progress: (done: number, total: number) => void): Promise<OrderRow[]> {
  const rows: OrderRow[] = [];
  let cursor: string | null | undefined;
  while (cursor !== null) {
    const r = await call('orders.list', {
      ...(f.entity ? { entity: f.entity } : {}), ...(f.from ? { from: f.from } : {}), ...(f.to ? { to: f.to } : {}),
      ...(f.closed ? { closed: f.closed === 'closed' } : {}),
      sort: 'created_at', desc: true, limit: PAGE, ...(cursor ? { cursor } : {}),
    }, { signal });
    if (!r.ok) throw Object.assign(new Error(r.error.message), { error: r.error });
    rows.push(...r.value.rows);
    progress(rows.length, r.value.total);
    cursor = r.value.next_cursor;
  }
  return rows;
}

export function OrdersView({ rest }: { rest: readonly string[] }) {
  if (rest[0]) return <OrderDetailView id={rest[0]} />;
  return <OrdersList />;
}

const FILTER_KEY = 'ventil.orders.filter';

function OrdersList() {
  const { t, date } = useI18n();
  const session = useSession();
  const entities = useEntities();
  const path = usePath();
  const task = useLongTask();
  const runTask = task.run;
  const [rows, setRows] = useState<OrderRow[] | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const networkWide = session.scope === null;
  // The filter is kept for the tab's life, per user: the next user starts from their own default.
  const key = `${FILTER_KEY}.${session.user.id}`;
  const [filter, setFilter] = useState<OrderFilter>(() => {
    const saved = sessionStorage.getItem(key);
    if (saved) try { return JSON.parse(saved) as OrderFilter; } catch { /* ignore */ }
    return { entity: session.user.role === 'store_manager' ? session.user.entities[0] ?? '' : '', from: '', to: '', closed: '' };
  });
  useEffect(() => { sessionStorage.setItem(key, JSON.stringify(filter)); }, [filter, key]);
  const ids = { entity: useId(), from: useId(), to: useId(), closed: useId() };

  // An error stays shown until a load succeeds (clearing it as a load starts would set state
  // inside the effect that starts it).
  const load = useCallback((f: OrderFilter) => runTask(t('orders.loading'), ({ signal, progress }) => loadOrders(f, signal, progress).catch((e) => {
    const err = (e as { error?: ErrorValue }).error;
    if (err && err.code !== 'aborted') setError(err);
    throw e;
  })).then((result) => { if (result) { setRows(result); setError(null); } }), [t, runTask]);
  useEffect(() => { void load(filter); }, [filter, load]);
  useReconnect(useMemo(() => (error?.code === 'network' ? () => void load(filter) : null), [error, load, filter]));

  const withAmount = filter.entity !== '';
  const columns = useMemo<Column<OrderRow>[]>(() => [
    { id: 'id', header: t('orders.id'), kind: 'code', value: (o) => o.id, width: 120, grow: 0 },
    { id: 'created_at', header: t('orders.created_at'), kind: 'datetime', value: (o) => o.created_at, width: 145, grow: 0 },
    { id: 'channel', header: t('orders.channel'), kind: 'status', value: (o) => o.channel, status: (o) => ({ label: channelLabel(t, o.channel), tone: CHANNEL_TONE[o.channel] ?? 'grey' }), width: 120, grow: 0, priority: 'low' },
    { id: 'lines', header: t('orders.lines'), kind: 'number', value: (o) => o.lines, width: 70, grow: 0, priority: 'low' },
    { id: 'captured', header: t('orders.captured'), kind: 'money', value: (o) => o.captured, currency: (o) => o.currency, width: 120 },
    { id: 'psp_fees', header: t('orders.psp_fees'), kind: 'money', value: (o) => o.psp_fees, currency: (o) => o.currency, width: 100 },
    { id: 'refunded', header: t('orders.refunded'), kind: 'money', value: (o) => o.refunded, currency: (o) => o.currency, width: 110, priority: 'low' },
    ...(withAmount ? [{ id: 'amount', header: t('orders.payout', { entity: entities.name(filter.entity) }), kind: 'money' as const, value: (o: OrderRow) => o.amount, currency: (o: OrderRow) => o.currency, width: 150 }] : []),
    { id: 'closed', header: t('orders.status'), kind: 'status', value: (o) => o.closed, status: (o) => (o.closed ? { label: t('orders.closed'), tone: 'green' } : { label: t('orders.open'), tone: 'blue' }), width: 100, grow: 0 },
  ], [t, withAmount, entities, filter.entity]);

  const periodText = filter.from || filter.to ? t('orders.period', { from: filter.from ? date(filter.from) : '…', to: filter.to ? date(filter.to) : '…' }) : null;

  return (
    <Page title={t('orders.title')} subtitle={t('orders.subtitle')} testId="view-orders">
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <div className="filter">
          <label htmlFor={ids.entity}>{t('orders.entity')}</label>
          <select id={ids.entity} value={filter.entity} onChange={(e) => setFilter((f) => ({ ...f, entity: e.target.value }))}>
            {networkWide && <option value="">{t('orders.allNetwork')}</option>}
            {!networkWide && session.user.role !== 'store_manager' && <option value="">{t('orders.allScope')}</option>}
            {entities.mine.map((e) => <option key={e.id} value={e.id}>{e.name} ({e.id})</option>)}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.from}>{t('orders.from')}</label>
          <input id={ids.from} type="date" value={filter.from} onChange={(e) => setFilter((f) => ({ ...f, from: e.target.value }))} />
        </div>
        <div className="filter">
          <label htmlFor={ids.to}>{t('orders.to')}</label>
          <input id={ids.to} type="date" value={filter.to} onChange={(e) => setFilter((f) => ({ ...f, to: e.target.value }))} />
        </div>
        <div className="filter">
          <label htmlFor={ids.closed}>{t('orders.status')}</label>
          <select id={ids.closed} value={filter.closed} onChange={(e) => setFilter((f) => ({ ...f, closed: e.target.value as OrderFilter['closed'] }))}>
            <option value="">{t('orders.all')}</option>
            <option value="open">{t('orders.open')}</option>
            <option value="closed">{t('orders.closed')}</option>
          </select>
        </div>
        {periodText && <span className="muted small filter-note">{periodText}</span>}
        <button type="button" className="btn push-right" onClick={() => void load(filter)} disabled={task.state.status === 'running'}>{t('orders.reload')}</button>
      </div>
      {error && <LoadError error={error} onRetry={() => void load(filter)} />}
      <LongTaskBar task={task} />
      <DataTable
        rows={rows ?? []} columns={columns} rowKey={(o) => o.id} label={t('orders.title')} loading={rows === null}
        onRowClick={(o) => navigate(`${path}/${encodeURIComponent(o.id)}`)}
        exportName={filter.entity ? `commandes-${filter.entity}` : 'commandes'} testId="orders-table" maxHeight="calc(100vh - 300px)"
      />
    </Page>
  );
}
