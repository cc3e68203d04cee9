// The entity filter of a filter bar: the entities in the user's scope, by name and id, with
// "Toutes" first when the view can show all of them at once.
import { useId } from 'react';
import { useI18n } from '../i18n';
import { useEntities } from '../entities';

export function EntityFilter({ value, onChange, all = false }: { value: string; onChange(entity: string): void; all?: boolean }) {
  const { t } = useI18n();
  const entities = useEntities();
  const id = useId();
  return (
    <div className="filter">
      <label htmlFor={id}>{t('orders.entity')}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {all && <option value="">{t('orders.all')}</option>}
        {entities.mine.map((e) => <option key={e.id} value={e.id}>{e.name} ({e.id})</option>)}
      </select>
    </div>
  );
}
