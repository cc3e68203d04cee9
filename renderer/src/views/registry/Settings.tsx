// Head office: the network settings (docs/spec.md section 1). The whole set is sent on save (the API
// replaces it); errors come back per field, including per row of the exchange-rate table
// (`fx_rates[2].rate`).
import { useCallback, useState } from 'react';
import type { Input } from '../../api';
import { ATTRIBUTION_KEYS } from '../../../../common/vocabulary';
import type { Entity } from '../../entities';
import { useI18n } from '../../i18n';
import { canEditRegistry, useSession } from '../../session';
import { useApi } from '../../use-api';
import { ApiFormView, Field, FormActions, NumberField, SelectField, TextField, useApiForm } from '../../components/Form';
import { LoadError, Loading, Notice, Page } from '../../components/Page';
import { minorToUnits, percentToRate, rateToPercent, unitsToMinor } from '../../format/percent';

type Settings = Required<Input<'network.settings.update'>>;
type AttributionKey = (typeof ATTRIBUTION_KEYS)[number];
type FxRate = Settings['fx_rates'][number];

interface Draft {
  name: string;
  platform_entity: string;
  /** In percent ("20"), sent as a rate ("0.20"). */
  commission_vat_rate: string;
  /** Four eyes above this amount (in euros; other currencies' thresholds are kept as they are). */
  release_threshold: string;
  release_interval_days: number | '';
  return_window_days: number | '';
  offer_deadline_hours: number | '';
  psp_fee_bearer: Settings['psp_fee_bearer'];
  after_release_recovery: Settings['after_release_recovery'];
  web_attribution: AttributionKey[];
  fx_rates: FxRate[];
}

/** The thresholds to save: the euro one from the form (in euros), the others unchanged. */
function thresholdOf(before: Readonly<Record<string, number>>, euros: string): Record<string, number> {
  const { EUR: _eur, ...others } = before;
  const minor = unitsToMinor(euros);
  return minor === null ? others : { ...others, EUR: minor as number };
}

function draftOf(s: Partial<Settings>, comma: boolean): Draft {
  const eur = s.release_approval_threshold?.EUR;
  return {
    name: s.name ?? '',
    platform_entity: s.platform_entity ?? '',
    commission_vat_rate: rateToPercent(s.commission_vat_rate ?? '0.20', comma),
    release_threshold: eur === undefined ? '' : minorToUnits(eur, comma),
    release_interval_days: s.release_interval_days ?? 7,
    return_window_days: s.return_window_days ?? 14,
    offer_deadline_hours: s.offer_deadline_hours ?? 24,
    psp_fee_bearer: s.psp_fee_bearer ?? 'platform',
    after_release_recovery: s.after_release_recovery ?? 'net',
    web_attribution: (s.web_attribution ?? ['pickup', 'catchment', 'platform']).filter((k): k is AttributionKey => (ATTRIBUTION_KEYS as readonly string[]).includes(k)),
    fx_rates: (s.fx_rates ?? []).map((r) => ({ ...r })),
  };
}

export function SettingsView() {
  const { t } = useI18n();
  const settings = useApi('network.settings.get');
  const entities = useApi('network.entities.list');
  const error = settings.error ?? entities.error;
  return (
    <Page title={t('settings.title')} subtitle={t('settings.subtitle')} testId="view-settings">
      {error && <LoadError error={error} onRetry={() => { settings.reload(); entities.reload(); }} />}
      {!error && (!settings.data || !entities.data) && <Loading />}
      {settings.data && entities.data && <SettingsForm initial={settings.data} entities={entities.data} />}
    </Page>
  );
}

function SettingsForm({ initial, entities }: { initial: Partial<Settings>; entities: readonly Entity[] }) {
  const { t, locale } = useI18n();
  const comma = (0.5).toLocaleString(locale).includes(',');
  const { user } = useSession();
  const editable = canEditRegistry(user.role);
  const ro = !editable;
  const form = useApiForm();
  const [d, setD] = useState<Draft>(() => draftOf(initial, comma));
  // Saved (and read again): the form starts over from what the API now holds.
  const [shown, setShown] = useState(initial);
  if (shown !== initial) { setShown(initial); setD(draftOf(initial, comma)); }
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const set = <K extends keyof Draft>(k: K) => (v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  const setRate = (i: number, k: keyof FxRate, v: string) =>
    setD((x) => ({ ...x, fx_rates: x.fx_rates.map((r, n) => (n === i ? { ...r, [k]: k === 'from' || k === 'to' ? v.toUpperCase() : v } : r)) }));
  const addRate = () => setD((x) => ({ ...x, fx_rates: [...x.fx_rates, { date: '', from: '', to: 'EUR', rate: '' }] }));
  const removeRate = (i: number) => setD((x) => ({ ...x, fx_rates: x.fx_rates.filter((_, n) => n !== i) }));

  const toggleKey = (k: AttributionKey, on: boolean) =>
    setD((x) => ({ ...x, web_attribution: on ? [...x.web_attribution, k] : x.web_attribution.filter((y) => y !== k) }));
  const moveKey = (k: AttributionKey, delta: -1 | 1) => setD((x) => {
    const list = [...x.web_attribution];
    const i = list.indexOf(k);
    const j = i + delta;
    if (i < 0 || j < 0 || j >= list.length) return x;
    [list[i], list[j]] = [list[j]!, list[i]!];
    return { ...x, web_attribution: list };
  });
  const unused = ATTRIBUTION_KEYS.filter((k) => !d.web_attribution.includes(k));

  const fieldPaths = [
    'name', 'platform_entity', 'commission_vat_rate', 'release_approval_threshold', 'release_approval_threshold.EUR', 'release_interval_days', 'return_window_days', 'offer_deadline_hours', 'psp_fee_bearer',
    'after_release_recovery', 'web_attribution', 'fx_rates',
    ...d.web_attribution.map((_, i) => `web_attribution[${i}]`),
    ...d.fx_rates.flatMap((_, i) => [`fx_rates[${i}]`, `fx_rates[${i}].date`, `fx_rates[${i}].from`, `fx_rates[${i}].to`, `fx_rates[${i}].rate`]),
  ];

  const submit = async () => {
    const input = {
      name: d.name.trim() === '' ? undefined : d.name.trim(),
      platform_entity: d.platform_entity,
      commission_vat_rate: percentToRate(d.commission_vat_rate),
      // Other currencies' thresholds are kept; an empty euro threshold means no approval in euros.
      release_approval_threshold: thresholdOf(initial.release_approval_threshold ?? {}, d.release_threshold),
      release_interval_days: d.release_interval_days === '' ? undefined : d.release_interval_days,
      return_window_days: d.return_window_days === '' ? undefined : d.return_window_days,
      offer_deadline_hours: d.offer_deadline_hours === '' ? undefined : d.offer_deadline_hours,
      psp_fee_bearer: d.psp_fee_bearer,
      after_release_recovery: d.after_release_recovery,
      web_attribution: d.web_attribution,
      fx_rates: d.fx_rates.map((r) => ({ date: r.date.trim(), from: r.from.trim(), to: r.to.trim(), rate: r.rate.trim().replace(',', '.') })),
    };
    const saved = await form.submit('network.settings.update', input);
    // The settings and the network summary are read again by the save itself (useMutate).
    if (saved) setNotice(t('settings.saved'));
  };

  const label = (k: AttributionKey) => t(`settings.attr.${k}`);

  return (
    <>
      <Notice text={notice} onDone={clearNotice} />
      <ApiFormView form={form} fieldPaths={fieldPaths} onSubmit={submit} label={t('settings.title')}
        hints={{ commission_vat_rate: 'issue.percent', 'fx_rates[].rate': 'issue.fx_rate', 'fx_rates[].date': 'issue.date', 'fx_rates[].from': 'issue.currency', 'fx_rates[].to': 'issue.currency' }}>
        {ro && <p className="muted small">{t('form.readOnly')}</p>}
        <div className="settings-grid">
          <fieldset className="card fieldset">
            <legend>{t('settings.section.general')}</legend>
            <div className="form-grid">
              <TextField label={t('settings.name')} name="name" value={d.name} onChange={set('name')} disabled={ro} className="span-2" />
              <SelectField
                label={t('settings.platform_entity')} name="platform_entity" value={d.platform_entity} onChange={set('platform_entity')}
                hint={t('settings.platform_entity.hint')} required disabled={ro} className="span-2"
                options={[...(d.platform_entity === '' ? [{ value: '', label: '—' }] : []), ...entities.map((e) => ({ value: e.id, label: `${e.name} (${e.id})` }))]}
              />
            </div>
          </fieldset>
          <fieldset className="card fieldset">
            <legend>{t('settings.section.settlement')}</legend>
            <div className="form-grid">
              <TextField label={t('settings.commission_vat_rate')} name="commission_vat_rate" value={d.commission_vat_rate} onChange={set('commission_vat_rate')} disabled={ro} mono inputMode="decimal" />
              <TextField label={t('settings.release_threshold')} name="release_approval_threshold" value={d.release_threshold} onChange={set('release_threshold')} disabled={ro} mono inputMode="decimal"
                hint={t('settings.release_threshold.hint')} />
              <NumberField label={t('settings.release_interval_days')} name="release_interval_days" value={d.release_interval_days} onChange={set('release_interval_days')} disabled={ro} min={1} max={92} step={1} />
              <NumberField label={t('settings.return_window_days')} name="return_window_days" value={d.return_window_days} onChange={set('return_window_days')} disabled={ro} min={0} max={365} step={1} />
              <NumberField label={t('settings.offer_deadline_hours')} name="offer_deadline_hours" value={d.offer_deadline_hours} onChange={set('offer_deadline_hours')} disabled={ro} min={1} step={1} />
              <SelectField label={t('settings.psp_fee_bearer')} name="psp_fee_bearer" value={d.psp_fee_bearer} onChange={(v) => set('psp_fee_bearer')(v as Draft['psp_fee_bearer'])} disabled={ro}
                options={[{ value: 'platform', label: t('settings.psp_fee_bearer.platform') }, { value: 'owners_pro_rata', label: t('settings.psp_fee_bearer.owners_pro_rata') }]} />
              <SelectField label={t('settings.after_release_recovery')} name="after_release_recovery" value={d.after_release_recovery} className="span-2"
                onChange={(v) => set('after_release_recovery')(v as Draft['after_release_recovery'])} disabled={ro}
                options={[{ value: 'net', label: t('settings.after_release_recovery.net') }, { value: 'reverse', label: t('settings.after_release_recovery.reverse') }]} />
              <Field label={t('settings.web_attribution')} name="web_attribution" hint={t('settings.web_attribution.hint')} className="span-2">
                {({ id, invalid, describedBy }) => (
                  <div id={id} className="attr-list" role="group" aria-invalid={invalid || undefined} aria-describedby={describedBy}>
                    <ol>
                      {d.web_attribution.map((k, i) => (
                        <li key={k}>
                          <span className="attr-rank num">{i + 1}</span>
                          <span className="attr-name">{label(k)}</span>
                          {editable && (
                            <span className="attr-actions">
                              <button type="button" className="btn-icon" disabled={i === 0} onClick={() => moveKey(k, -1)} aria-label={t('settings.attr.up', { key: label(k) })}>↑</button>
                              <button type="button" className="btn-icon" disabled={i === d.web_attribution.length - 1} onClick={() => moveKey(k, 1)} aria-label={t('settings.attr.down', { key: label(k) })}>↓</button>
                              <button type="button" className="btn-icon" onClick={() => toggleKey(k, false)} aria-label={t('settings.attr.remove', { key: label(k) })}>×</button>
                            </span>
                          )}
                        </li>
                      ))}
                    </ol>
                    {editable && unused.length > 0 && (
                      <div className="attr-add">
                        {unused.map((k) => (
                          <button type="button" key={k} className="btn btn-small" onClick={() => toggleKey(k, true)} aria-label={t('settings.attr.use', { key: label(k) })}>+ {label(k)}</button>
                        ))}
                      </div>
                    )}
                  </div>
                )}
              </Field>
            </div>
          </fieldset>
          <fieldset className="card fieldset span-all">
            <legend>{t('settings.section.fx')}</legend>
            {d.fx_rates.length === 0 ? <p className="muted small">{t('settings.fx.empty')}</p> : (
              <table className="grid-table" aria-label={t('settings.section.fx')}>
                <thead>
                  <tr>
                    <th scope="col">{t('settings.fx.date')}</th>
                    <th scope="col">{t('settings.fx.from')}</th>
                    <th scope="col">{t('settings.fx.to')}</th>
                    <th scope="col" className="num">{t('settings.fx.rate')}</th>
                    <th scope="col"><span className="visually-hidden">—</span></th>
                  </tr>
                </thead>
                <tbody>
                  {d.fx_rates.map((r, i) => (
                    <tr key={i}>
                      <td><TextField hideLabel label={`${t('settings.fx.date')} ${i + 1}`} name={`fx_rates[${i}].date`} value={r.date} onChange={(v) => setRate(i, 'date', v)} disabled={ro} mono placeholder="2026-01-31" /></td>
                      <td><TextField hideLabel label={`${t('settings.fx.from')} ${i + 1}`} name={`fx_rates[${i}].from`} value={r.from} onChange={(v) => setRate(i, 'from', v)} disabled={ro} mono maxLength={3} /></td>
                      <td><TextField hideLabel label={`${t('settings.fx.to')} ${i + 1}`} name={`fx_rates[${i}].to`} value={r.to} onChange={(v) => setRate(i, 'to', v)} disabled={ro} mono maxLength={3} /></td>
                      <td><TextField hideLabel label={`${t('settings.fx.rate')} ${i + 1}`} name={`fx_rates[${i}].rate`} value={r.rate} onChange={(v) => setRate(i, 'rate', v)} disabled={ro} mono inputMode="decimal" className="num-input" /></td>
                      <td>{editable && <button type="button" className="btn-icon" onClick={() => removeRate(i)} aria-label={t('settings.fx.remove', { n: i + 1 })}>×</button>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {editable && <button type="button" className="btn btn-small" onClick={addRate}>+ {t('settings.fx.add')}</button>}
          </fieldset>
        </div>
        {editable && <FormActions saving={form.saving} submitLabel={t('form.save')} />}
      </ApiFormView>
    </>
  );
}
