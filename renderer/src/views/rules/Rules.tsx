// Head office: the commission rules and their versions. A rule is never edited in place: a
// change publishes a new version from now (or a later date), and the one before closes at that
// instant, so no computed allocation changes (docs/spec.md section 5). Before publishing, a draft can
// be simulated on the orders of a period to see whose payout it changes.
import { useCallback, useState } from 'react';
import { HEAD_OFFICE_WRITERS, type Role } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey, type Translate } from '../../i18n';
import { navigate } from '../../router';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities, type Entities } from '../../entities';
import { channelLabel, groupLabel, legRoleLabel } from '../../labels';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge, type Tone } from '../../components/Badge';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';
import { formatRate } from '../../format/rates';
import { RuleEditor } from './RuleEditor';

export type StoredRule = Output<'rules.list'>['rules'][number];
export type RuleWhen = StoredRule['when'];
export type RuleLeg = StoredRule['legs'][number];

export const canEditRules = (role: Role) => HEAD_OFFICE_WRITERS.includes(role);


type Validity = 'current' | 'scheduled' | 'superseded' | 'retired';
const VALIDITY_TONE: Record<Validity, Tone> = { current: 'green', scheduled: 'blue', superseded: 'grey', retired: 'red' };

function validity(r: StoredRule, now: number): Validity {
  if (Date.parse(r.valid_from) > now) return 'scheduled';
  if (r.valid_to !== null && Date.parse(r.valid_to) <= now) return r.status === 'retired' ? 'retired' : 'superseded';
  return 'current';
}

export function whenText(t: Translate, w: RuleWhen, entities: Entities): string {
  const parts: string[] = [];
  if (w.channel?.length) parts.push(w.channel.map((c) => channelLabel(t, c)).join(' / '));
  if (w.delivery_mode?.length) parts.push(w.delivery_mode.map((d) => t(`delivery.${d}` as MessageKey)).join(' / '));
  if (w.kind?.length) parts.push(w.kind.map((k) => t(`lineKind.${k}` as MessageKey)).join(' / '));
  if (w.category?.length) parts.push(`${t('rule.when.category')} ${w.category.join(', ')}`);
  if (w.seller?.length) parts.push(`${t('rule.when.seller')} ${w.seller.map((e) => entities.name(e)).join(', ')}`);
  if (w.owner?.length) parts.push(`${t('rule.when.owner')} ${w.owner.map((e) => entities.name(e)).join(', ')}`);
  if (w.seller_region?.length) parts.push(`${t('rule.when.seller_region')} ${w.seller_region.join(', ')}`);
  if (w.owner_region?.length) parts.push(`${t('rule.when.owner_region')} ${w.owner_region.join(', ')}`);
  if (w.seller_is_owner !== undefined) parts.push(t(w.seller_is_owner ? 'rule.sellerIsOwner' : 'rule.sellerIsNotOwner'));
  return parts.length ? parts.join(' · ') : t('rule.always');
}

export function legText(t: Translate, l: RuleLeg, locale: string): string {
  const pieces: string[] = [];
  if (l.rate !== '0' && !/^0(\.0+)?$/.test(l.rate)) pieces.push(`${formatRate(l.rate, locale)} ${t(l.base === 'gross' ? 'rule.ofGross' : 'rule.ofNet')}`);
  if (l.per_unit) pieces.push(t('rule.perUnit', { n: l.per_unit }));
  if (l.min !== null) pieces.push(t('rule.min', { n: l.min }));
  if (l.max !== null) pieces.push(t('rule.max', { n: l.max }));
  return `${legRoleLabel(t, l.from)} → ${legRoleLabel(t, l.to)} : ${pieces.join(', ') || '0'}`;
}

export function RulesView({ rest }: { rest: readonly string[] }) {
  const { t, date, dateTime, locale } = useI18n();
  const when = (v: string) => (v.length <= 10 ? date(v) : dateTime(v));
  const session = useSession();
  const editable = canEditRules(session.user.role);
  const list = useApi('rules.list');
  const entities = useEntities();
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  // Which versions apply is judged at the time the list arrived (reading the clock while
  // rendering would make the view impure).
  const now = list.updatedAt;

  // Routes: /rules, /rules/new, /rules/<id>, /rules/<id>/version
  if (rest[0] === 'new' && editable) {
    return <RuleEditor mode="create" base={null} onDone={(id) => navigate(`/rules/${encodeURIComponent(id)}`, { replace: true })} />;
  }
  const latestOf = (id: string) => list.data?.rules.filter((r) => r.id === id).at(-1) ?? null;
  if (rest[0] && rest[1] === 'version' && editable) {
    const base = latestOf(rest[0]);
    if (!base) return list.error ? <LoadError error={list.error} onRetry={list.reload} /> : null;
    return <RuleEditor mode="version" base={base} onDone={(id) => navigate(`/rules/${encodeURIComponent(id)}`, { replace: true })} />;
  }
  const selected = rest[0] ?? null;

  const columns: Column<StoredRule>[] = [
    { id: 'id', header: t('rule.id'), kind: 'code', value: (r) => r.id, width: 140, grow: 0 },
    { id: 'version', header: t('rule.version'), kind: 'number', value: (r) => r.version, width: 70, grow: 0 },
    { id: 'group', header: t('rule.group'), value: (r) => r.group, text: (r) => groupLabel(t, r.group), width: 110, grow: 0 },
    { id: 'priority', header: t('rule.priority'), kind: 'number', value: (r) => r.priority, width: 80, grow: 0 },
    { id: 'valid_from', header: t('rule.valid_from'), kind: 'date', value: (r) => r.valid_from, text: (r) => when(r.valid_from), width: 150, grow: 0 },
    { id: 'valid_to', header: t('rule.valid_to'), kind: 'date', value: (r) => r.valid_to, text: (r) => (r.valid_to ? when(r.valid_to) : ''), width: 150, grow: 0 },
    { id: 'status', header: t('rule.status'), kind: 'status', value: (r) => validity(r, now), status: (r) => ({ label: t(`rule.validity.${validity(r, now)}`), tone: VALIDITY_TONE[validity(r, now)] }), width: 110, grow: 0 },
    { id: 'when', header: t('rule.when'), value: (r) => whenText(t, r.when, entities), width: 220, grow: 2 },
    { id: 'legs', header: t('rule.legs'), value: (r) => (r.legs.length ? r.legs.map((l) => legText(t, l, locale)).join(' ; ') : t('rule.noLegs')), width: 260, grow: 3 },
  ];

  const versions = list.data?.rules.filter((r) => r.id === selected) ?? [];
  const conflicts = list.data?.conflicts ?? [];

  return (
    <Page
      title={t('rule.title')} subtitle={t('rule.subtitle')} testId="view-rules"
      actions={editable && <button type="button" className="btn btn-primary" onClick={() => navigate('/rules/new')}>{t('rule.new')}</button>}
    >
      <Notice text={notice} onDone={clearNotice} />
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      {conflicts.length > 0 && (
        <div className="alert alert-warning" role="status" data-testid="rule-conflicts">
          <div>
            <strong>{t('rule.conflicts', { n: conflicts.length })}</strong>
            <ul>{conflicts.map((c, i) => <li key={i}><span className="mono">{c.rules.join(' ↔ ')}</span> — {t('rule.conflictText', { group: c.group, priority: c.priority, winner: c.winner })}</li>)}</ul>
          </div>
        </div>
      )}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable
          rows={list.data?.rules ?? []} columns={columns} rowKey={(r) => `${r.id}@${r.version}`} label={t('rule.title')} loading={list.loading}
          onRowClick={(r) => navigate(`/rules/${encodeURIComponent(r.id)}`)} selectedKey={selected ? `${selected}@${versions.at(-1)?.version}` : null}
          initialSort={{ column: 'group', dir: 'asc' }} exportName="regles" testId="rules-table"
        />
        {selected && versions.length > 0 && (
          <Drawer title={t('rule.detail', { id: selected })} onClose={() => navigate('/rules')} testId="rule-drawer">
            <RuleDetail versions={versions} now={now} entities={entities} editable={editable}
              onRetired={(at) => setNotice(t('rule.retired', { id: selected, at: date(at) }))} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function RuleDetail({ versions, now, entities, editable, onRetired }: { versions: StoredRule[]; now: number; entities: Entities; editable: boolean; onRetired(at: string): void }) {
  const { t, date, dateTime, locale } = useI18n();
  const when = (v: string) => (v.length <= 10 ? date(v) : dateTime(v));
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const mutate = useMutate();
  const latest = versions.at(-1)!;
  const open = versions.some((v) => v.valid_to === null || Date.parse(v.valid_to) > now);
  const retire = async () => {
    const r = await mutate('rules.retire', { id: latest.id });
    if (r.ok) { setConfirming(false); onRetired(r.value.retired_at); } else setError(r.error);
  };
  return (
    <div className="rule-detail">
      {latest.name && <p><strong>{latest.name}</strong></p>}
      {latest.description && <p className="muted small">{latest.description}</p>}
      <dl className="facts facts-2">
        <div><dt>{t('rule.group')}</dt><dd>{groupLabel(t, latest.group)}</dd></div>
        <div><dt>{t('rule.priority')}</dt><dd className="num">{latest.priority}</dd></div>
      </dl>
      <h3 className="subsection">{t('rule.versions')}</h3>
      <ol className="versions">
        {[...versions].reverse().map((v) => (
          <li key={v.version} data-version={v.version}>
            <div className="version-head">
              <strong>v{v.version}</strong>
              <Badge tone={VALIDITY_TONE[validity(v, now)]}>{t(`rule.validity.${validity(v, now)}`)}</Badge>
              <span className="muted small">{when(v.valid_from)} → {v.valid_to ? when(v.valid_to) : t('rule.open')}</span>
            </div>
            <p className="small"><span className="muted">{t('rule.when')} :</span> {whenText(t, v.when, entities)}</p>
            <ul className="legs small">
              {v.legs.length === 0 ? <li className="muted">{t('rule.noLegs')}</li> : v.legs.map((l, i) => <li key={i}>{legText(t, l, locale)}</li>)}
            </ul>
            <p className="muted small" data-testid="published">{t('rule.publishedAt', { at: dateTime(v.created_at) })}{v.published_by && ` · ${t('rule.publishedBy', { name: v.published_by.name })}`}</p>
          </li>
        ))}
      </ol>
      {error && <LoadError error={error} />}
      {editable && open && (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => navigate(`/rules/${encodeURIComponent(latest.id)}/version`)}>{t('rule.newVersion')}</button>
          {!confirming && <button type="button" className="btn btn-danger-quiet push-right" onClick={() => setConfirming(true)}>{t('rule.retire')}</button>}
        </div>
      )}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-label={t('rule.retire')}>
          <p>{t('rule.confirmRetire', { id: latest.id })}</p>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={retire} autoFocus>{t('rule.retire')}</button>
            <button type="button" className="btn" onClick={() => setConfirming(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </div>
  );
}
