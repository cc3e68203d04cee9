// One entity over a period, as the entity views choose it (the dashboard, payouts): the entity
// from the route (else the user's own, else a store in scope), optional from/to dates, and
// their filter bar. Choosing another entity navigates, so the view's address names it.
import { useId, useMemo, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { useSession } from '../session';
import { useEntities } from '../entities';

export interface EntityPeriod {
  entity: string;
  from: string;
  to: string;
  setFrom(day: string): void;
  setTo(day: string): void;
  /** The operation's input: the entity, and the dates that are set. */
  input: { entity: string; from?: string; to?: string };
}

export function useEntityPeriod(rest: readonly string[]): EntityPeriod {
  const session = useSession();
  const entities = useEntities();
  const fallback = session.user.entities[0] ?? entities.mine.find((e) => e.kind === 'franchisee')?.id ?? entities.mine[0]?.id ?? '';
  const entity = rest[0] ?? fallback;
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const input = useMemo(() => ({ entity, ...(from ? { from } : {}), ...(to ? { to } : {}) }), [entity, from, to]);
  return { entity, from, to, setFrom, setTo, input };
}

/** The filter bar: the entity (when the user has several), from, to, then `children`. */
export function EntityPeriodFilters({ period, path, children }: { period: EntityPeriod; path: string; children?: ReactNode }) {
  const { t } = useI18n();
  const entities = useEntities();
  const ids = { entity: useId(), from: useId(), to: useId() };
  return (
    <div className="filters card" role="search" aria-label={t('orders.filters')}>
      {entities.mine.length > 1 && (
        <div className="filter">
          <label htmlFor={ids.entity}>{t('orders.entity')}</label>
          <select id={ids.entity} value={period.entity} onChange={(e) => navigate(`${path}/${encodeURIComponent(e.target.value)}`)}>
            {entities.mine.map((e) => <option key={e.id} value={e.id}>{e.name} ({e.id})</option>)}
          </select>
        </div>
      )}
      <div className="filter">
        <label htmlFor={ids.from}>{t('orders.from')}</label>
        <input id={ids.from} type="date" value={period.from} onChange={(e) => period.setFrom(e.target.value)} />
      </div>
      <div className="filter">
        <label htmlFor={ids.to}>{t('orders.to')}</label>
        <input id={ids.to} type="date" value={period.to} onChange={(e) => period.setTo(e.target.value)} />
      </div>
      {children}
    </div>
  );
}
