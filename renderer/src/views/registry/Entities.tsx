// Head office: the entities of the network, and the form to add or change one. The API
// validates (SIREN Luhn check, VAT number, MM-DD fiscal year end); its issues show on the fields.
import { useCallback, useMemo, useState } from 'react';
import { ENTITY_KINDS, type EntityKind } from '../../../../common/vocabulary';
import type { Entity } from '../../entities';
import { useI18n, type MessageKey } from '../../i18n';
import { navigate } from '../../router';
import { canEditRegistry, useSession } from '../../session';
import { useApi } from '../../use-api';
import { DataTable, type Column } from '../../components/DataTable';
import type { Tone } from '../../components/Badge';
import { ApiFormView, FormActions, SelectField, TextField, orNull, useApiForm, type IssueHints } from '../../components/Form';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

const BASE = '/registry/entities';

export const KIND_TONE: Record<EntityKind, Tone> = {
  franchisor: 'violet', franchisee: 'blue', subsidiary: 'green', '3pl': 'amber', other: 'grey',
};

export function EntitiesView({ selected }: { selected: string | null }) {
  const { t, monthDay } = useI18n();
  const { user } = useSession();
  const editable = canEditRegistry(user.role);
  const list = useApi('network.entities.list');
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);

  const columns = useMemo<Column<Entity>[]>(() => [
    { id: 'id', header: t('entity.id'), kind: 'code', value: (e) => e.id, width: 110, grow: 0 },
    { id: 'name', header: t('entity.name'), value: (e) => e.name, width: 220, grow: 2 },
    { id: 'kind', header: t('entity.kind'), kind: 'status', value: (e) => e.kind, status: (e) => ({ label: t(`entity.kind.${e.kind}` as MessageKey), tone: KIND_TONE[e.kind] ?? 'grey' }), width: 150, grow: 0 },
    { id: 'siren', header: t('entity.siren'), kind: 'code', value: (e) => e.siren, width: 110, grow: 0 },
    { id: 'vat_number', header: t('entity.vat_number'), kind: 'code', value: (e) => e.vat_number, width: 150, grow: 0 },
    { id: 'region', header: t('entity.region'), value: (e) => e.region, width: 130 },
    { id: 'erp_code', header: t('entity.erp_code'), kind: 'code', value: (e) => e.erp_code, width: 100, grow: 0 },
    { id: 'fiscal_year_end', header: t('entity.fiscal_year_end'), value: (e) => e.fiscal_year_end, text: (e) => monthDay(e.fiscal_year_end), width: 130, grow: 0 },
    { id: 'currency', header: t('entity.currency'), kind: 'code', value: (e) => e.currency, width: 80, grow: 0 },
  ], [t, monthDay]);

  const record = selected && selected !== 'new' ? list.data?.find((e) => e.id === selected) ?? null : null;
  const creating = selected === 'new';

  const saved = (e: Entity, created: boolean) => {
    setNotice(t(created ? 'entity.created' : 'entity.updated', { id: e.id }));
    navigate(`${BASE}/${encodeURIComponent(e.id)}`, { replace: true });
  };

  return (
    <Page
      title={t('entity.title')} subtitle={t('entity.subtitle')} testId="view-entities"
      actions={editable && <button type="button" className="btn btn-primary" onClick={() => navigate(`${BASE}/new`)} data-testid="new-entity">{t('entity.new')}</button>}
    >
      <Notice text={notice} onDone={clearNotice} />
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable
          rows={list.data ?? []} columns={columns} rowKey={(e) => e.id} label={t('entity.title')} loading={list.loading}
          onRowClick={(e) => navigate(`${BASE}/${encodeURIComponent(e.id)}`)} selectedKey={selected}
          initialSort={{ column: 'id', dir: 'asc' }} exportName="entites" testId="entities-table"
        />
        {(creating || record) && (
          <Drawer title={creating ? t('entity.create') : t('entity.edit', { id: record!.id })} onClose={() => navigate(BASE)} testId="entity-drawer">
            <EntityForm key={selected} initial={record} editable={editable} onSaved={saved} onCancel={() => navigate(BASE)} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

interface EntityDraft {
  id: string; name: string; kind: EntityKind; siren: string; vat_number: string; region: string;
  psp_account: string; erp_code: string; fiscal_year_end: string; currency: string; time_zone: string;
}

const EMPTY: EntityDraft = {
  id: '', name: '', kind: 'franchisee', siren: '', vat_number: '', region: '', psp_account: '', erp_code: '', fiscal_year_end: '12-31', currency: 'EUR', time_zone: 'Europe/Paris',
};

const FIELDS = ['id', 'name', 'kind', 'siren', 'vat_number', 'region', 'psp_account', 'erp_code', 'fiscal_year_end', 'currency', 'time_zone'] as const;

export const ENTITY_HINTS: IssueHints = {
  id: 'issue.id', siren: 'issue.siren', vat_number: 'issue.vat_number', fiscal_year_end: 'issue.fiscal_year_end', currency: 'issue.currency', time_zone: 'issue.time_zone',
};

// The zones this browser knows, the entity's own first if it is not among them.
const ZONES: readonly string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['Europe/Paris'];
const zoneOptions = (current: string) => (ZONES.includes(current) ? ZONES : [current, ...ZONES]).map((z) => ({ value: z, label: z }));

function EntityForm({ initial, editable, onSaved, onCancel }: { initial: Entity | null; editable: boolean; onSaved(e: Entity, created: boolean): void; onCancel(): void }) {
  const { t } = useI18n();
  const form = useApiForm();
  const [d, setD] = useState<EntityDraft>(() => (initial ? {
    ...initial, vat_number: initial.vat_number ?? '', region: initial.region ?? '', psp_account: initial.psp_account ?? '', erp_code: initial.erp_code ?? '',
  } : EMPTY));
  const set = <K extends keyof EntityDraft>(k: K) => (v: EntityDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const creating = initial === null;

  const submit = async () => {
    const input = {
      id: d.id.trim(), name: d.name, kind: d.kind,
      siren: d.siren.replace(/\s+/g, ''), // "552 100 554" as printed on a Kbis
      vat_number: orNull(d.vat_number.replace(/\s+/g, '').toUpperCase()), region: orNull(d.region),
      psp_account: orNull(d.psp_account), erp_code: orNull(d.erp_code),
      fiscal_year_end: d.fiscal_year_end.trim(), currency: d.currency.trim().toUpperCase(), time_zone: d.time_zone,
    };
    const saved = await form.submit(creating ? 'network.entities.create' : 'network.entities.update', input);
    if (saved) onSaved(saved, creating);
  };

  const ro = !editable;
  return (
    <ApiFormView form={form} fieldPaths={FIELDS} hints={ENTITY_HINTS} onSubmit={submit} label={creating ? t('entity.create') : t('entity.edit', { id: d.id })}>
      {ro && <p className="muted small">{t('form.readOnly')}</p>}
      <div className="form-grid">
        <TextField label={t('entity.id')} name="id" value={d.id} onChange={set('id')} required disabled={!creating || ro} mono maxLength={64} />
        <SelectField
          label={t('entity.kind')} name="kind" value={d.kind} onChange={(v) => set('kind')(v as EntityKind)} disabled={ro}
          options={ENTITY_KINDS.map((k) => ({ value: k, label: t(`entity.kind.${k}`) }))}
        />
        <TextField label={t('entity.name')} name="name" value={d.name} onChange={set('name')} required disabled={ro} className="span-2" />
        <TextField label={t('entity.siren')} name="siren" value={d.siren} onChange={set('siren')} required disabled={ro} mono inputMode="numeric" maxLength={11} />
        <TextField label={t('entity.vat_number')} name="vat_number" value={d.vat_number} onChange={set('vat_number')} disabled={ro} mono />
        <TextField label={t('entity.region')} name="region" value={d.region} onChange={set('region')} disabled={ro} />
        <TextField label={t('entity.currency')} name="currency" value={d.currency} onChange={set('currency')} disabled={ro} mono maxLength={3} />
        <TextField label={t('entity.psp_account')} name="psp_account" value={d.psp_account} onChange={set('psp_account')} disabled={ro} mono />
        <TextField label={t('entity.erp_code')} name="erp_code" value={d.erp_code} onChange={set('erp_code')} disabled={ro} mono />
        <TextField label={t('entity.fiscal_year_end')} name="fiscal_year_end" value={d.fiscal_year_end} onChange={set('fiscal_year_end')} hint={t('entity.fiscal_year_end.hint')} disabled={ro} mono maxLength={5} />
        <SelectField label={t('entity.time_zone')} name="time_zone" value={d.time_zone} onChange={set('time_zone')} hint={t('entity.time_zone.hint')} disabled={ro} options={zoneOptions(d.time_zone)} />
      </div>
      {editable && <FormActions saving={form.saving} submitLabel={creating ? t('form.create') : t('form.save')} onCancel={onCancel} />}
    </ApiFormView>
  );
}
