// Head office: which location serves which postcode prefix (the longest matching prefix wins).
import { useCallback, useMemo, useState } from 'react';
import type { Output } from '../../api';
import type { Location } from '../../entities';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { canEditRegistry, useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { DataTable, type Column } from '../../components/DataTable';
import { ApiFormView, FormActions, SelectField, TextField, useApiForm } from '../../components/Form';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

type Catchment = Output<'network.catchments.list'>[number];

const BASE = '/registry/catchments';

export function CatchmentsView({ selected }: { selected: string | null }) {
  const { t } = useI18n();
  const { user } = useSession();
  const editable = canEditRegistry(user.role);
  const list = useApi('network.catchments.list');
  const locations = useApi('network.locations.list');
  const entities = useApi('network.entities.list');
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);

  const ownerOf = useMemo(() => new Map((locations.data ?? []).map((l) => [l.id, l.entity])), [locations.data]);
  const names = useMemo(() => new Map((entities.data ?? []).map((e) => [e.id, e.name])), [entities.data]);

  const columns = useMemo<Column<Catchment>[]>(() => [
    { id: 'postcode_prefix', header: t('catchment.postcode_prefix'), kind: 'code', value: (c) => c.postcode_prefix, width: 170, grow: 0 },
    { id: 'location', header: t('catchment.location'), kind: 'code', value: (c) => c.location, width: 160, grow: 1 },
    {
      id: 'entity', header: t('catchment.entity'), value: (c) => ownerOf.get(c.location) ?? null,
      text: (c) => { const e = ownerOf.get(c.location); return e ? names.get(e) ?? e : ''; }, search: (c) => ownerOf.get(c.location) ?? '', width: 220, grow: 2,
    },
  ], [t, ownerOf, names]);

  const record = selected && selected !== 'new' ? list.data?.find((c) => c.postcode_prefix === selected) ?? null : null;
  const creating = selected === 'new';
  // A saved or deleted catchment already had the lists read again (useMutate).
  const changed = setNotice;
  const error = list.error ?? locations.error ?? entities.error;

  return (
    <Page
      title={t('catchment.title')} subtitle={t('catchment.subtitle')} testId="view-catchments"
      actions={editable && <button type="button" className="btn btn-primary" onClick={() => navigate(`${BASE}/new`)}>{t('catchment.new')}</button>}
    >
      <Notice text={notice} onDone={clearNotice} />
      {error && <LoadError error={error} onRetry={() => { list.reload(); locations.reload(); entities.reload(); }} />}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable
          rows={list.data ?? []} columns={columns} rowKey={(c) => c.postcode_prefix} label={t('catchment.title')} loading={list.loading}
          onRowClick={(c) => navigate(`${BASE}/${encodeURIComponent(c.postcode_prefix)}`)} selectedKey={selected}
          initialSort={{ column: 'postcode_prefix', dir: 'asc' }} exportName="zones-de-chalandise" testId="catchments-table"
        />
        {(creating || record) && locations.data && (
          <Drawer title={creating ? t('catchment.create') : t('catchment.edit', { prefix: record!.postcode_prefix })} onClose={() => navigate(BASE)}>
            <CatchmentForm
              key={selected} initial={record} locations={locations.data} names={names} editable={editable} onCancel={() => navigate(BASE)}
              onSaved={(c) => { changed(t('catchment.saved', { prefix: c.postcode_prefix })); navigate(`${BASE}/${encodeURIComponent(c.postcode_prefix)}`, { replace: true }); }}
              onDeleted={(prefix) => { changed(t('catchment.deleted', { prefix })); navigate(BASE, { replace: true }); }}
            />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function CatchmentForm({ initial, locations, names, editable, onSaved, onDeleted, onCancel }: {
  initial: Catchment | null; locations: readonly Location[]; names: ReadonlyMap<string, string>; editable: boolean;
  onSaved(c: Catchment): void; onDeleted(prefix: string): void; onCancel(): void;
}) {
  const { t } = useI18n();
  const form = useApiForm();
  const mutate = useMutate();
  const [prefix, setPrefix] = useState(initial?.postcode_prefix ?? '');
  const [location, setLocation] = useState(initial?.location ?? locations[0]?.id ?? '');
  const [confirming, setConfirming] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const creating = initial === null;
  const ro = !editable;

  const submit = async () => {
    const saved = await form.submit('network.catchments.save', { postcode_prefix: prefix.trim().toUpperCase(), location });
    if (saved) onSaved(saved);
  };
  const remove = async () => {
    const r = await mutate('network.catchments.delete', { postcode_prefix: initial!.postcode_prefix });
    if (r.ok) onDeleted(initial!.postcode_prefix);
    else setDeleteError(r.error.message);
  };

  return (
    <ApiFormView form={form} fieldPaths={['postcode_prefix', 'location']} hints={{ postcode_prefix: 'issue.postcode_prefix' }} onSubmit={submit} label={t('catchment.title')}>
      {ro && <p className="muted small">{t('form.readOnly')}</p>}
      <div className="form-grid">
        <TextField label={t('catchment.postcode_prefix')} name="postcode_prefix" value={prefix} onChange={setPrefix} required disabled={!creating || ro} mono maxLength={10} inputMode="numeric" />
        <SelectField
          label={t('catchment.location')} name="location" value={location} onChange={setLocation} required disabled={ro}
          options={locations.map((l) => ({ value: l.id, label: `${l.id} — ${names.get(l.entity) ?? l.entity}` }))}
        />
      </div>
      {deleteError && <p className="alert alert-error" role="alert">{t('form.errorOther', { message: deleteError })}</p>}
      {editable && (
        <FormActions saving={form.saving} submitLabel={t('form.save')} onCancel={onCancel}>
          {!creating && !confirming && <button type="button" className="btn btn-danger-quiet push-right" onClick={() => setConfirming(true)}>{t('catchment.delete')}</button>}
        </FormActions>
      )}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label={t('catchment.delete')}>
          <p>{t('catchment.confirmDelete', { prefix: initial!.postcode_prefix })}</p>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={remove} autoFocus>{t('catchment.delete')}</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </ApiFormView>
  );
}
