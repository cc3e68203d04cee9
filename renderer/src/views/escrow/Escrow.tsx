// Escrow at a glance (`escrow.position`): per entity and currency, what escrow still holds, what
// was released, what was transferred, what is released but not paid yet, and the balance.
// Totals per currency; an entity that owes the network (negative balance) shows in red.
import { useId, useMemo, useState } from 'react';
import type { Output } from '../../api';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { LoadError, Page } from '../../components/Page';

type EscrowPosition = Output<'escrow.position'>;
type EscrowEntity = EscrowPosition['entities'][number];

export function EscrowView() {
  const { t, money, dateTime } = useI18n();
  const entities = useEntities();
  const [at, setAt] = useState('');
  const atId = useId();
  const position = useApi('escrow.position', at ? { at } : {});
  const rows = useMemo(() => position.data?.entities ?? [], [position.data]);

  const columns = useMemo<Column<EscrowEntity>[]>(() => [
    { id: 'entity', header: t('order.entity'), value: (r) => r.entity, text: (r) => entities.name(r.entity), search: (r) => r.entity, width: 200, grow: 2 },
    { id: 'currency', header: t('escrow.currency'), kind: 'code', value: (r) => r.currency, width: 80, grow: 0 },
    { id: 'held', header: t('escrow.held'), kind: 'money', value: (r) => r.held, currency: (r) => r.currency, width: 130 },
    { id: 'released', header: t('escrow.released'), kind: 'money', value: (r) => r.released, currency: (r) => r.currency, width: 130 },
    { id: 'transferred', header: t('escrow.transferred'), kind: 'money', value: (r) => r.transferred, currency: (r) => r.currency, width: 130 },
    { id: 'unpaid', header: t('escrow.unpaid'), kind: 'money', value: (r) => r.unpaid, currency: (r) => r.currency, width: 140 },
    { id: 'balance', header: t('escrow.balance'), kind: 'money', value: (r) => r.balance, currency: (r) => r.currency, width: 140 },
  ], [t, entities]);

  const totals = useMemo(() => {
    const m = new Map<string, EscrowEntity>();
    for (const r of rows) {
      const x = m.get(r.currency) ?? { entity: '', currency: r.currency, held: 0, released: 0, transferred: 0, unpaid: 0, balance: 0 };
      x.held += r.held; x.released += r.released; x.transferred += r.transferred; x.unpaid += r.unpaid; x.balance += r.balance;
      m.set(r.currency, x);
    }
    return [...m.values()];
  }, [rows]);

  return (
    <Page title={t('escrow.title')} subtitle={t('escrow.subtitle')} testId="view-escrow">
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <div className="filter">
          <label htmlFor={atId}>{t('escrow.at')}</label>
          <input id={atId} type="date" value={at} onChange={(e) => setAt(e.target.value)} />
        </div>
        {position.data && <span className="muted small filter-note">{t('dashboard.asOf', { at: dateTime(position.data.at) })}</span>}
      </div>
      {position.error && <LoadError error={position.error} onRetry={position.reload} />}
      {totals.map((x) => (
        <dl className="kpis kpis-7" key={x.currency} data-testid="escrow-totals" data-currency={x.currency}>
          <div className="kpi card"><dt>{t('escrow.held')}</dt><dd className="num kpi-money" data-kpi="held">{money(x.held, x.currency)}</dd></div>
          <div className="kpi card"><dt>{t('escrow.released')}</dt><dd className="num kpi-money">{money(x.released, x.currency)}</dd></div>
          <div className="kpi card"><dt>{t('escrow.transferred')}</dt><dd className="num kpi-money">{money(x.transferred, x.currency)}</dd></div>
          <div className="kpi card"><dt>{t('escrow.unpaid')}</dt><dd className="num kpi-money">{money(x.unpaid, x.currency)}</dd></div>
          <div className="kpi card"><dt>{t('escrow.balance')}</dt><dd className={`num kpi-money${x.balance < 0 ? ' neg' : ''}`}>{money(x.balance, x.currency)}</dd></div>
        </dl>
      ))}
      <DataTable
        rows={rows} columns={columns} rowKey={(r) => `${r.entity}|${r.currency}`} label={t('escrow.title')} loading={position.loading}
        onRowClick={(r) => navigate(`/dashboard/${encodeURIComponent(r.entity)}`)} initialSort={{ column: 'held', dir: 'desc' }}
        exportName="sequestre" testId="escrow-table" maxHeight="calc(100vh - 380px)"
      />
    </Page>
  );
}
