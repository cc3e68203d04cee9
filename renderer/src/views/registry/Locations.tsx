// Head office: stores, warehouses and dark stores, with the entity owning their stock and the
// one operating them; the form to add or change one.
import { useCallback, useMemo, useState } from 'react';
import { LOCATION_KINDS, type LocationKind } from '../../../../common/vocabulary';
import type { Entity, Location } from '../../entities';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { canEditRegistry, useSession } from '../../session';
import { useApi } from '../../use-api';
import { DataTable, type Column } from '../../components/DataTable';
import type { Tone } from '../../components/Badge';
import { ApiFormView, CheckboxField, FormActions, SelectField, TextField, orNull, useApiForm } from '../../components/Form';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

const BASE = '/registry/locations';
const KIND_TONE: Record<LocationKind, Tone> = { store: 'blue', warehouse: 'grey', dark_store: 'violet' };
const FIELDS = ['id', 'kind', 'entity', 'operator', 'postcode', 'ship', 'collect'] as const;

export function LocationsView({ selected }: { selected: string | null }) {
  const { t } = useI18n();
  const { user } = useSession();
  const editable = canEditRegistry(user.role);
  const list = useApi('network.locations.list');
  const entities = useApi('network.entities.list');
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);

  const names = useMemo(() => new Map((entities.data ?? []).map((e) => [e.id, e.name])), [entities.data]);
  const nameOf = useCallback((id: string) => names.get(id) ?? id, [names]);

  const columns = useMemo<Column<Location>[]>(() => [
    { id: 'id', header: t('location.id'), kind: 'code', value: (l) => l.id, width: 130, grow: 0 },
    { id: 'kind', header: t('location.kind'), kind: 'status', value: (l) => l.kind, status: (l) => ({ label: t(`location.kind.${l.kind}`), tone: KIND_TONE[l.kind] ?? 'grey' }), width: 120, grow: 0 },
    { id: 'entity', header: t('location.entity'), value: (l) => l.entity, text: (l) => nameOf(l.entity), search: (l) => l.entity, width: 200, grow: 2 },
    { id: 'operator', header: t('location.operator'), value: (l) => l.operator, text: (l) => (l.operator === l.entity ? t('location.operator.same') : nameOf(l.operator)), search: (l) => l.operator, width: 180, grow: 1 },
    { id: 'postcode', header: t('location.postcode'), kind: 'code', value: (l) => l.postcode, width: 100, grow: 0 },
    { id: 'ship', header: t('location.ship'), kind: 'bool', value: (l) => l.ship, width: 90, grow: 0 },
    { id: 'collect', header: t('location.collect'), kind: 'bool', value: (l) => l.collect, width: 140, grow: 0 },
  ], [t, nameOf]);

  const record = selected && selected !== 'new' ? list.data?.find((l) => l.id === selected) ?? null : null;
  const creating = selected === 'new';

  const saved = (l: Location, created: boolean) => {
    setNotice(t(created ? 'location.created' : 'location.updated', { id: l.id }));
    navigate(`${BASE}/${encodeURIComponent(l.id)}`, { replace: true });
  };

  return (
    <Page
      title={t('location.title')} subtitle={t('location.subtitle')} testId="view-locations"
      actions={editable && <button type="button" className="btn btn-primary" onClick={() => navigate(`${BASE}/new`)}>{t('location.new')}</button>}
    >
      <Notice text={notice} onDone={clearNotice} />
      {(list.error ?? entities.error) && <LoadError error={(list.error ?? entities.error)!} onRetry={() => { list.reload(); entities.reload(); }} />}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable
          rows={list.data ?? []} columns={columns} rowKey={(l) => l.id} label={t('location.title')} loading={list.loading}
          onRowClick={(l) => navigate(`${BASE}/${encodeURIComponent(l.id)}`)} selectedKey={selected}
          initialSort={{ column: 'id', dir: 'asc' }} exportName="sites" testId="locations-table"
        />
        {(creating || record) && entities.data && (
          <Drawer title={creating ? t('location.create') : t('location.edit', { id: record!.id })} onClose={() => navigate(BASE)}>
            <LocationForm key={selected} initial={record} entities={entities.data} editable={editable} onSaved={saved} onCancel={() => navigate(BASE)} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

interface LocationDraft { id: string; kind: LocationKind; entity: string; operator: string; postcode: string; ship: boolean; collect: boolean }

function LocationForm({ initial, entities, editable, onSaved, onCancel }: {
  initial: Location | null; entities: readonly Entity[]; editable: boolean; onSaved(l: Location, created: boolean): void; onCancel(): void;
}) {
  const { t } = useI18n();
  const form = useApiForm();
  const [d, setD] = useState<LocationDraft>(() => (initial
    ? { ...initial, operator: initial.operator === initial.entity ? '' : initial.operator, postcode: initial.postcode ?? '' }
    : { id: '', kind: 'store', entity: entities[0]?.id ?? '', operator: '', postcode: '', ship: true, collect: true }));
  const set = <K extends keyof LocationDraft>(k: K) => (v: LocationDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const creating = initial === null;
  const ro = !editable;
  const entityOptions = entities.map((e) => ({ value: e.id, label: `${e.name} (${e.id})` }));

  const submit = async () => {
    const input = {
      id: d.id.trim(), kind: d.kind, entity: d.entity, operator: d.operator === '' ? undefined : d.operator,
      postcode: orNull(d.postcode), ship: d.ship, collect: d.collect,
    };
    const saved = await form.submit(creating ? 'network.locations.create' : 'network.locations.update', input);
    if (saved) onSaved(saved, creating);
  };

  return (
    <ApiFormView form={form} fieldPaths={FIELDS} hints={{ id: 'issue.id' }} onSubmit={submit} label={creating ? t('location.create') : t('location.edit', { id: d.id })}>
      {ro && <p className="muted small">{t('form.readOnly')}</p>}
      <div className="form-grid">
        <TextField label={t('location.id')} name="id" value={d.id} onChange={set('id')} required disabled={!creating || ro} mono maxLength={64} />
        <SelectField label={t('location.kind')} name="kind" value={d.kind} onChange={(v) => set('kind')(v as LocationKind)} disabled={ro}
          options={LOCATION_KINDS.map((k) => ({ value: k, label: t(`location.kind.${k}`) }))} />
        <SelectField label={t('location.entity')} name="entity" value={d.entity} onChange={set('entity')} options={entityOptions} required disabled={ro} className="span-2" />
        <SelectField label={t('location.operator')} name="operator" value={d.operator} onChange={set('operator')} disabled={ro} className="span-2"
          options={[{ value: '', label: t('location.operator.same') }, ...entityOptions]} />
        <TextField label={t('location.postcode')} name="postcode" value={d.postcode} onChange={set('postcode')} disabled={ro} mono maxLength={10} />
        <div className="field-stack">
          <CheckboxField label={t('location.ship')} name="ship" checked={d.ship} onChange={set('ship')} disabled={ro} />
          <CheckboxField label={t('location.collect')} name="collect" checked={d.collect} onChange={set('collect')} disabled={ro} />
        </div>
      </div>
      {editable && <FormActions saving={form.saving} submitLabel={creating ? t('form.create') : t('form.save')} onCancel={onCancel} />}
    </ApiFormView>
  );
}
