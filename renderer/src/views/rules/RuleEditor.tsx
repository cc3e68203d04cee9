// Writing a rule (a new one, or the next version of one): conditions, legs, validity, and a
// simulation of the draft on the orders of a period before it is published. The API checks
// everything; its issues (`legs[1].rate`, `when.seller[0]`, `valid_from`) show on the fields.
import { useId, useState } from 'react';
import { CHANNELS, DELIVERY_MODES, LEG_ROLES, LINE_KINDS } from '../../../../common/vocabulary';
import type { RuleLeg, RuleWhen, StoredRule } from './Rules';
import { call, type ErrorValue, type Input, type Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { navigate } from '../../router';
import { useEntities } from '../../entities';
import { channelLabel, legRoleLabel } from '../../labels';
import { ApiFormView, Field, FormActions, NumberField, SelectField, TextField, useApiForm } from '../../components/Form';
import { LoadError, Page } from '../../components/Page';
import { minorToUnits, percentToRate, rateToPercent, unitsToMinor } from '../../format/percent';
import { DraftCompare, DraftPublish, type DraftDetail } from './DraftWorkflow';

type SimulationResult = Output<'rules.simulate'>;

type ListKey = 'channel' | 'delivery_mode' | 'kind';
type TextKey = 'category' | 'seller' | 'owner' | 'seller_region' | 'owner_region';

interface LegDraft { to: string; from: string; rate: string; base: 'net' | 'gross'; per_unit: string; min: string; max: string }
interface Draft {
  id: string; group: string; name: string; description: string; priority: number | ''; valid_from: string; valid_to: string;
  lists: Record<ListKey, string[]>; texts: Record<TextKey, string>; seller_is_owner: '' | 'true' | 'false'; legs: LegDraft[];
}

/** A leg as typed: the rate in percent, amounts in currency units (format/percent.ts converts them). */
const NEW_LEG: LegDraft = { to: 'seller', from: 'owner', rate: '5', base: 'net', per_unit: '', min: '', max: '' };

function draftOf(r: StoredRule | null, comma: boolean): Draft {
  const w: RuleWhen = r?.when ?? {};
  return {
    id: r?.id ?? '', group: r?.group ?? 'commission', name: r?.name ?? '', description: r?.description ?? '', priority: r?.priority ?? 100,
    valid_from: '', valid_to: '',
    lists: { channel: [...(w.channel ?? [])], delivery_mode: [...(w.delivery_mode ?? [])], kind: [...(w.kind ?? [])] },
    texts: {
      category: (w.category ?? []).join(', '), seller: (w.seller ?? []).join(', '), owner: (w.owner ?? []).join(', '),
      seller_region: (w.seller_region ?? []).join(', '), owner_region: (w.owner_region ?? []).join(', '),
    },
    seller_is_owner: w.seller_is_owner === undefined ? '' : w.seller_is_owner ? 'true' : 'false',
    legs: r ? r.legs.map((l: RuleLeg) => ({
      to: l.to, from: l.from ?? 'owner', rate: rateToPercent(l.rate ?? '0', comma), base: l.base ?? 'net',
      per_unit: !l.per_unit ? '' : minorToUnits(l.per_unit, comma),
      min: l.min === null || l.min === undefined ? '' : minorToUnits(l.min, comma), max: l.max === null || l.max === undefined ? '' : minorToUnits(l.max, comma),
    })) : [NEW_LEG],
  };
}

const split = (s: string) => s.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);

/**
 * The rule as typed. Amounts the user did not write as digits go to the API as they are (hence
 * the cast): the API refuses them with an issue on the field, shown there.
 */
function inputOf(d: Draft): Input<'rules.create'> {
  const when: Record<string, unknown> = {};
  for (const k of ['channel', 'delivery_mode', 'kind'] as const) if (d.lists[k].length) when[k] = d.lists[k];
  for (const k of ['category', 'seller', 'owner', 'seller_region', 'owner_region'] as const) if (split(d.texts[k]).length) when[k] = split(d.texts[k]);
  if (d.seller_is_owner) when.seller_is_owner = d.seller_is_owner === 'true';
  return {
    id: d.id.trim(), group: d.group.trim(), priority: d.priority === '' ? undefined : d.priority,
    ...(d.name.trim() ? { name: d.name.trim() } : {}), ...(d.description.trim() ? { description: d.description.trim() } : {}),
    ...(d.valid_from ? { valid_from: d.valid_from } : {}), valid_to: d.valid_to || null,
    when,
    legs: d.legs.map((l) => ({
      to: l.to, from: l.from, rate: percentToRate(l.rate), base: l.base,
      per_unit: unitsToMinor(l.per_unit) ?? 0, min: unitsToMinor(l.min), max: unitsToMinor(l.max),
    })),
  } as Input<'rules.create'>;
}

const HINTS = {
  id: 'issue.id', group: 'issue.id', 'legs[].rate': 'issue.percent', valid_from: 'issue.date', valid_to: 'issue.date',
} as const satisfies Record<string, MessageKey>;

export function RuleEditor({ mode, base, onDone }: { mode: 'create' | 'version'; base: StoredRule | null; onDone(id: string): void }) {
  const { t, locale } = useI18n();
  const entities = useEntities();
  const form = useApiForm();
  const comma = (0.5).toLocaleString(locale).includes(',');
  const [d, setD] = useState<Draft>(() => draftOf(base, comma));
  const [detail, setDetail] = useState<DraftDetail | null>(null);
  const [saved, setSaved] = useState('');
  const set = <K extends keyof Draft>(k: K) => (v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setLeg = (i: number, k: keyof LegDraft, v: string) => setD((x) => ({ ...x, legs: x.legs.map((l, n) => (n === i ? { ...l, [k]: v } : l)) }));
  const toggle = (k: ListKey, v: string, on: boolean) =>
    setD((x) => ({ ...x, lists: { ...x.lists, [k]: on ? [...x.lists[k], v] : x.lists[k].filter((y) => y !== v) } }));

  const title = mode === 'create' ? t('rule.createTitle') : t('rule.versionTitle', { id: base!.id, version: base!.version + 1 });
  // The form saves a draft; comparison, simulation and publication follow on the same screen.
  const submit = async () => {
    const { valid_from: _from, ...rule } = inputOf(d);
    const r = await form.submit('rules.drafts.save', { ...rule, ...(detail ? { draft: detail.draft.id } : {}) });
    if (r) { setDetail(r); setSaved(JSON.stringify(inputOf(d))); }
  };

  const endOptions = [
    ...LEG_ROLES.map((r) => ({ value: r, label: legRoleLabel(t, r) })),
    ...entities.list.map((e) => ({ value: `entity:${e.id}`, label: `${e.name} (${e.id})` })),
  ];
  const legPaths = d.legs.flatMap((_, i) => ['to', 'from', 'rate', 'base', 'per_unit', 'min', 'max'].map((k) => `legs[${i}].${k}`).concat(`legs[${i}]`));
  const fieldPaths = ['id', 'group', 'name', 'description', 'priority', 'valid_from', 'valid_to', 'when.channel', 'when.delivery_mode', 'when.kind',
    'when.category', 'when.seller', 'when.owner', 'when.seller_region', 'when.owner_region', 'when.seller_is_owner', ...legPaths];

  return (
    <Page title={title} subtitle={t(mode === 'create' ? 'rule.createSubtitle' : 'rule.versionSubtitle')} testId="view-rule-editor"
      actions={<button type="button" className="btn" onClick={() => navigate(base ? `/rules/${encodeURIComponent(base.id)}` : '/rules')}>← {t('rule.back')}</button>}>
      <ApiFormView form={form} fieldPaths={fieldPaths} hints={HINTS} onSubmit={submit} label={title}>
        <div className="settings-grid">
          <fieldset className="card fieldset">
            <legend>{t('rule.section.identity')}</legend>
            <div className="form-grid">
              <TextField label={t('rule.id')} name="id" value={d.id} onChange={set('id')} required disabled={mode === 'version'} mono />
              <TextField label={t('rule.group')} name="group" value={d.group} onChange={set('group')} required disabled={mode === 'version'} mono
                hint={t('rule.group.hint')} />
              <TextField label={t('rule.name')} name="name" value={d.name} onChange={set('name')} className="span-2" />
              <TextField label={t('rule.description')} name="description" value={d.description} onChange={set('description')} className="span-2" />
              <NumberField label={t('rule.priority')} name="priority" value={d.priority} onChange={set('priority')} required step={1} hint={t('rule.priority.hint')} />
              <div />
              <TextField label={t('rule.valid_to')} name="valid_to" value={d.valid_to} onChange={set('valid_to')} mono placeholder={t('rule.open')} />
            </div>
          </fieldset>
          <fieldset className="card fieldset">
            <legend>{t('rule.section.when')}</legend>
            <p className="muted small">{t('rule.when.hint')}</p>
            <CheckGroup label={t('rule.when.channel')} name="when.channel" values={CHANNELS} selected={d.lists.channel} text={(v) => channelLabel(t, v)} onToggle={(v, on) => toggle('channel', v, on)} />
            <CheckGroup label={t('rule.when.delivery_mode')} name="when.delivery_mode" values={DELIVERY_MODES} selected={d.lists.delivery_mode} text={(v) => t(`delivery.${v}` as MessageKey)} onToggle={(v, on) => toggle('delivery_mode', v, on)} />
            <CheckGroup label={t('rule.when.kind')} name="when.kind" values={LINE_KINDS} selected={d.lists.kind} text={(v) => t(`lineKind.${v}` as MessageKey)} onToggle={(v, on) => toggle('kind', v, on)} />
            <div className="form-grid">
              {(['category', 'seller', 'owner', 'seller_region', 'owner_region'] as const).map((k) => (
                <TextField key={k} label={t(`rule.when.${k}` as MessageKey)} name={`when.${k}`} value={d.texts[k]} mono
                  onChange={(v) => setD((x) => ({ ...x, texts: { ...x.texts, [k]: v } }))} hint={k === 'seller' || k === 'owner' ? t('rule.when.entitiesHint') : undefined} />
              ))}
              <SelectField label={t('rule.when.seller_is_owner')} name="when.seller_is_owner" value={d.seller_is_owner} onChange={(v) => set('seller_is_owner')(v as Draft['seller_is_owner'])}
                options={[{ value: '', label: t('rule.any') }, { value: 'true', label: t('rule.sellerIsOwner') }, { value: 'false', label: t('rule.sellerIsNotOwner') }]} />
            </div>
          </fieldset>
          <fieldset className="card fieldset span-all">
            <legend>{t('rule.legs')}</legend>
            <p className="muted small">{t('rule.legs.hint')}</p>
            {d.legs.length === 0 ? <p className="muted small">{t('rule.noLegs')}</p> : (
              <table className="grid-table legs-table" aria-label={t('rule.legs')}>
                <thead>
                  <tr>
                    <th scope="col">{t('rule.leg.from')}</th>
                    <th scope="col">{t('rule.leg.to')}</th>
                    <th scope="col" className="num">{t('rule.leg.rate')}</th>
                    <th scope="col">{t('rule.leg.base')}</th>
                    <th scope="col" className="num">{t('rule.leg.per_unit')}</th>
                    <th scope="col" className="num">{t('rule.leg.min')}</th>
                    <th scope="col" className="num">{t('rule.leg.max')}</th>
                    <th scope="col"><span className="visually-hidden">—</span></th>
                  </tr>
                </thead>
                <tbody>
                  {d.legs.map((l, i) => (
                    <tr key={i}>
                      <td><SelectField label={`${t('rule.leg.from')} ${i + 1}`} name={`legs[${i}].from`} value={l.from} onChange={(v) => setLeg(i, 'from', v)} options={endOptions} hideLabel /></td>
                      <td><SelectField label={`${t('rule.leg.to')} ${i + 1}`} name={`legs[${i}].to`} value={l.to} onChange={(v) => setLeg(i, 'to', v)} options={endOptions} hideLabel /></td>
                      <td><TextField hideLabel label={`${t('rule.leg.rate')} ${i + 1}`} name={`legs[${i}].rate`} value={l.rate} onChange={(v) => setLeg(i, 'rate', v)} mono inputMode="decimal" className="num-input" /></td>
                      <td><SelectField label={`${t('rule.leg.base')} ${i + 1}`} name={`legs[${i}].base`} value={l.base} onChange={(v) => setLeg(i, 'base', v)} hideLabel
                        options={[{ value: 'net', label: t('rule.base.net') }, { value: 'gross', label: t('rule.base.gross') }]} /></td>
                      <td><TextField hideLabel label={`${t('rule.leg.per_unit')} ${i + 1}`} name={`legs[${i}].per_unit`} value={l.per_unit} onChange={(v) => setLeg(i, 'per_unit', v)} mono inputMode="numeric" className="num-input" /></td>
                      <td><TextField hideLabel label={`${t('rule.leg.min')} ${i + 1}`} name={`legs[${i}].min`} value={l.min} onChange={(v) => setLeg(i, 'min', v)} mono inputMode="numeric" className="num-input" /></td>
                      <td><TextField hideLabel label={`${t('rule.leg.max')} ${i + 1}`} name={`legs[${i}].max`} value={l.max} onChange={(v) => setLeg(i, 'max', v)} mono inputMode="numeric" className="num-input" /></td>
                      <td><button type="button" className="btn-icon" onClick={() => setD((x) => ({ ...x, legs: x.legs.filter((_, n) => n !== i) }))} aria-label={t('rule.leg.remove', { n: i + 1 })}>×</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <button type="button" className="btn btn-small" onClick={() => setD((x) => ({ ...x, legs: [...x.legs, { ...NEW_LEG }] }))}>+ {t('rule.leg.add')}</button>
            <p className="muted small">{t('rule.leg.minorHint')}</p>
          </fieldset>
        </div>
        <FormActions saving={form.saving} submitLabel={t('rule.draft.save')} onCancel={() => navigate(base ? `/rules/${encodeURIComponent(base.id)}` : '/rules')} />
      </ApiFormView>
      {detail && <DraftCompare detail={detail} />}
      <Simulation draft={() => inputOf(d)} />
      {detail && <DraftPublish detail={detail} dirty={saved !== JSON.stringify(inputOf(d))} onPublished={onDone} />}
    </Page>
  );
}

function CheckGroup({ label, name, values, selected, text, onToggle }: {
  label: string; name: string; values: readonly string[]; selected: readonly string[]; text(v: string): string; onToggle(v: string, on: boolean): void;
}) {
  return (
    <Field label={label} name={name}>
      {({ id, invalid, describedBy }) => (
        <div id={id} role="group" className="check-row" aria-invalid={invalid || undefined} aria-describedby={describedBy}>
          {values.map((v) => (
            <label key={v} className="check-pill">
              <input type="checkbox" checked={selected.includes(v)} onChange={(e) => onToggle(v, e.target.checked)} />
              <span>{text(v)}</span>
            </label>
          ))}
        </div>
      )}
    </Field>
  );
}

/** Runs the draft over the orders of a period (rules.simulate) and shows whose payout changes. */
function Simulation({ draft }: { draft: () => ReturnType<typeof inputOf> }) {
  const { t, money, number } = useI18n();
  const entities = useEntities();
  const today = new Date();
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  const [from, setFrom] = useState(iso(new Date(today.getTime() - 90 * 86_400_000)));
  const [to, setTo] = useState(iso(new Date(today.getTime() + 86_400_000)));
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const [running, setRunning] = useState(false);
  const ids = { from: useId(), to: useId() };
  const run = async () => {
    setRunning(true);
    setError(null);
    const { valid_from: _f, valid_to: _t, ...rule } = draft();
    const r = await call('rules.simulate', { period: { from, to }, drafts: [rule] });
    setRunning(false);
    if (r.ok) setResult(r.value); else { setResult(null); setError(r.error); }
  };
  const m = (v: number, c: string) => money(v, c);
  const delta = (v: number, c: string) => <span className={v < 0 ? 'neg' : v > 0 ? 'pos' : 'muted'}>{v > 0 ? '+' : ''}{m(v, c)}</span>;
  return (
    <section className="card simulation" aria-labelledby="sim-title" data-testid="simulation">
      <div className="simulation-head">
        <h2 id="sim-title" className="section-title">{t('rule.sim.title')}</h2>
        <div className="filter"><label htmlFor={ids.from}>{t('orders.from')}</label><input id={ids.from} type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></div>
        <div className="filter"><label htmlFor={ids.to}>{t('orders.to')}</label><input id={ids.to} type="date" value={to} onChange={(e) => setTo(e.target.value)} /></div>
        <button type="button" className="btn" onClick={run} disabled={running}>{running ? t('rule.sim.running') : t('rule.sim.run')}</button>
      </div>
      <p className="muted small">{t('rule.sim.hint')}</p>
      {error && <LoadError error={error} />}
      {result && (
        <>
          <p className="sim-summary" data-testid="sim-summary">{t('rule.sim.summary', { orders: result.orders, lines: result.lines, changed: result.changed_orders })}</p>
          <div className="two-col">
            <table className="data" aria-label={t('rule.sim.byEntity')}>
              <caption>{t('rule.sim.byEntity')}</caption>
              <thead><tr><th scope="col">{t('order.entity')}</th><th scope="col" className="num">{t('rule.sim.current')}</th><th scope="col" className="num">{t('rule.sim.draft')}</th><th scope="col" className="num">{t('rule.sim.delta')}</th></tr></thead>
              <tbody>
                {result.entities.filter((e) => e.delta !== 0).concat(result.entities.filter((e) => e.delta === 0)).map((e) => (
                  <tr key={`${e.entity}|${e.currency}`} data-entity={e.entity}>
                    <td>{entities.name(e.entity)}</td><td className="num">{m(e.current, e.currency)}</td><td className="num">{m(e.draft, e.currency)}</td><td className="num">{delta(e.delta, e.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table className="data" aria-label={t('rule.sim.byRule')}>
              <caption>{t('rule.sim.byRule')}</caption>
              <thead><tr><th scope="col">{t('rule.id')}</th><th scope="col" className="num">{t('rule.sim.lines')}</th><th scope="col" className="num">{t('rule.sim.current')}</th><th scope="col" className="num">{t('rule.sim.draft')}</th><th scope="col" className="num">{t('rule.sim.delta')}</th></tr></thead>
              <tbody>
                {result.rules.map((r) => (
                  <tr key={`${r.rule}|${r.currency}`}>
                    <td className="mono">{r.rule} <span className="muted small">{r.group}</span></td>
                    <td className="num">{number(r.lines_current)} → {number(r.lines_draft)}</td>
                    <td className="num">{m(r.current, r.currency)}</td><td className="num">{m(r.draft, r.currency)}</td><td className="num">{delta(r.delta, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
