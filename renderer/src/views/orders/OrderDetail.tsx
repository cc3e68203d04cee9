// One order: its lines and who played which role, the legs the rules produced (rule id@version,
// base, rate), each entity's payout, and, for a chosen entity, the explanation of its amount
// line by line: "why did this store get 131,43 €?" answered from the data (docs/spec.md section 6).
import { Fragment, useMemo, useState } from 'react';
import type { Output } from '../../api';
import { useI18n, type I18n } from '../../i18n';
import { href } from '../../router';
import { useApi, useApiEach } from '../../use-api';
import { useEntities, type Entities } from '../../entities';
import { CHANNEL_TONE, LINE_STATUS_TONE, channelLabel, groupLabel, legRoleLabel, lineStatusLabel } from '../../labels';
import { Badge } from '../../components/Badge';
import { formatRate } from '../../format/rates';
import { LoadError, Loading, Page } from '../../components/Page';
import { contributionText, lineCalcText } from './explain-text';

type OrderDetail = Output<'orders.get'>;
type OrderLine = OrderDetail['lines'][number];
type OrderLeg = OrderLine['legs'][number];

export function OrderDetailView({ id }: { id: string }) {
  const i18n = useI18n();
  const { t, dateTime, date } = i18n;
  const detail = useApi('orders.get', { id });
  const entities = useEntities();
  // The entity whose amounts are explained, for this order only (another order starts with none).
  const [explaining, setExplaining] = useState<{ order: string; entity: string } | null>(null);
  const explainFor = explaining?.order === id ? explaining.entity : null;
  const setExplainFor = (entity: string) => setExplaining({ order: id, entity });
  const d = detail.data;
  const cur = d?.order.currency ?? 'EUR';
  const m = (v: number | null | undefined) => (v === null || v === undefined ? '—' : i18n.money(v, cur));

  const payouts = useMemo(() => (d ? Object.entries(d.payouts).sort((a, b) => b[1] - a[1]) : []), [d]);

  return (
    <Page
      title={t('order.title', { id })}
      subtitle={d ? t('order.subtitle', { created: dateTime(d.order.created_at), revision: d.revision, computed: dateTime(d.computed_at) }) : undefined}
      actions={<a className="btn" href={href('/orders')}>← {t('order.back')}</a>}
      testId="view-order"
    >
      {detail.error && <LoadError error={detail.error} onRetry={detail.reload} />}
      {!d && !detail.error && <Loading />}
      {d && (
        <>
          <div className="order-head card">
            <dl className="facts">
              <div><dt>{t('orders.channel')}</dt><dd><Badge tone={CHANNEL_TONE[d.order.channel] ?? 'grey'}>{channelLabel(t, d.order.channel)}</Badge></dd></div>
              <div><dt>{t('orders.status')}</dt><dd>{d.closed ? <Badge tone="green">{t('orders.closed')}</Badge> : <Badge tone="blue">{t('orders.open')}</Badge>}</dd></div>
              <div><dt>{t('order.origin')}</dt><dd>{d.order.origin ?? '—'}</dd></div>
              <div><dt>{t('order.customer_postcode')}</dt><dd className="mono">{d.order.customer_postcode ?? '—'}</dd></div>
              <div><dt>{t('orders.captured')}</dt><dd className="num" data-testid="order-captured">{m(d.captured)}</dd></div>
              <div><dt>{t('orders.psp_fees')}</dt><dd className="num">{m(d.psp_fees)}</dd></div>
              <div><dt>{t('orders.refunded')}</dt><dd className="num">{m(d.refunded)}</dd></div>
              {d.order.discount > 0 && <div><dt>{t('order.discount')}</dt><dd className="num">{m(d.order.discount)}</dd></div>}
            </dl>
          </div>

          {d.warnings.length > 0 && (
            <div className="alert alert-warning" role="status">
              <ul>{d.warnings.map((w, i) => <li key={i}>{w.entity ? `${entities.name(w.entity)} : ` : ''}{w.message}</li>)}</ul>
            </div>
          )}

          <h2 className="section-title">{t('order.lines')}</h2>
          <div className="table-card card">
            <table className="data" aria-label={t('order.lines')}>
              <thead>
                <tr>
                  <th scope="col">{t('order.line')}</th>
                  <th scope="col">{t('order.lineStatus')}</th>
                  <th scope="col">{t('order.fulfiller')}</th>
                  <th scope="col">{t('legRole.owner')}</th>
                  <th scope="col">{t('legRole.seller')}</th>
                  <th scope="col" className="num">{t('order.gross')}</th>
                  <th scope="col" className="num">{t('order.vat')}</th>
                  <th scope="col" className="num">{t('order.net')}</th>
                  <th scope="col" className="num">{t('orders.refunded')}</th>
                  <th scope="col">{t('order.release')}</th>
                </tr>
              </thead>
              <tbody>
                {d.lines.map((l) => (
                  <tr key={l.id} data-line={l.id}>
                    <td className="mono">{l.id}</td>
                    <td><Badge tone={LINE_STATUS_TONE[l.status] ?? 'grey'}>{lineStatusLabel(t, l.status)}</Badge></td>
                    <td className="mono">{l.fulfiller}</td>
                    <td>{entities.name(l.roles.owner)}</td>
                    <td>{l.roles.seller ? entities.name(l.roles.seller) : '—'}</td>
                    <td className="num">{m(l.gross)}</td>
                    <td className="num">{m(l.vat)}</td>
                    <td className="num">{m(l.net)}</td>
                    <td className="num">{m(l.refunded)}</td>
                    <td>{l.release_at ? date(l.release_at) : l.status === 'cancelled' || l.status === 'returned' ? '—' : <span className="muted">{t('order.notReleased')}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <h2 className="section-title">{t('order.legs')}</h2>
          <div className="table-card card">
            <LegsTable lines={d.lines} entities={entities} money={m} />
          </div>

          <div className="two-col">
            <section>
              <h2 className="section-title">{t('order.payouts')}</h2>
              <div className="table-card card">
                <table className="data" aria-label={t('order.payouts')}>
                  <thead><tr><th scope="col">{t('order.entity')}</th><th scope="col" className="num">{t('order.payout')}</th><th scope="col"><span className="visually-hidden">{t('order.explain')}</span></th></tr></thead>
                  <tbody>
                    {payouts.map(([entity, amount]) => (
                      <tr key={entity} data-entity={entity} className={entity === explainFor ? 'selected' : undefined}>
                        <td>{entities.name(entity)} <span className="muted mono small">{entity}</span></td>
                        <td className={`num${amount < 0 ? ' neg' : ''}`}>{m(amount)}</td>
                        <td className="right">
                          <button type="button" className="btn btn-small" onClick={() => setExplainFor(entity)} aria-pressed={entity === explainFor}
                            aria-label={t('order.explainFor', { entity: entities.name(entity) })}>{t('order.explain')}</button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {d.revisions.length > 1 && (
                <>
                  <h2 className="section-title">{t('order.revisions')}</h2>
                  <ul className="revisions">{d.revisions.map((r) => <li key={r.revision}><span className="num">#{r.revision}</span> {dateTime(r.computed_at)} — {r.reason}</li>)}</ul>
                </>
              )}
            </section>
            <section aria-live="polite">
              {explainFor ? <ExplainPanel detail={d} entity={explainFor} entities={entities} i18n={i18n} /> : <p className="muted explain-hint">{t('order.explainHint')}</p>}
            </section>
          </div>
        </>
      )}
    </Page>
  );
}

function LegsTable({ lines, entities, money }: { lines: OrderLine[]; entities: Entities; money(v: number): string }) {
  const { t, locale } = useI18n();
  const side = (role: string, entity: string | null) => (
    <>{entity ? entities.name(entity) : <span className="muted">{t('order.unresolved')}</span>} <span className="muted small">({legRoleLabel(t, role)})</span></>
  );
  const note = (g: OrderLeg) => {
    if (g.void === 'same_entity') return <Badge tone="grey">{t('order.void.same_entity')}</Badge>;
    if (g.void) return <Badge tone="amber">{t('order.void.unresolved')}</Badge>;
    if (g.reversed_amount > 0) return <Badge tone="amber">{t('order.reversed', { amount: money(g.reversed_amount + g.reversed_vat) })}</Badge>;
    return null;
  };
  return (
    <table className="data" aria-label={t('order.legs')}>
      <thead>
        <tr>
          <th scope="col">{t('order.line')}</th>
          <th scope="col">{t('order.group')}</th>
          <th scope="col">{t('order.rule')}</th>
          <th scope="col">{t('order.to')}</th>
          <th scope="col">{t('order.from')}</th>
          <th scope="col" className="num">{t('order.base')}</th>
          <th scope="col" className="num">{t('order.rate')}</th>
          <th scope="col" className="num">{t('order.amount')}</th>
          <th scope="col" className="num">{t('order.vat')}</th>
          <th scope="col">{t('order.note')}</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((l) => (
          <Fragment key={l.id}>
            {l.legs.map((g, i) => (
              <tr key={`${l.id}-${i}`} className={g.void ? 'void' : undefined}>
                <td className="mono">{i === 0 ? l.id : ''}</td>
                <td>{groupLabel(t, g.group)}</td>
                <td className="mono">{g.rule}</td>
                <td>{side(g.to_role, g.to)}</td>
                <td>{side(g.from_role, g.from)}</td>
                <td className="num">{money(g.base)}</td>
                <td className="num">{formatRate(g.rate, locale)}</td>
                <td className="num">{money(g.amount)}</td>
                <td className="num">{money(g.vat)}</td>
                <td>{note(g)}</td>
              </tr>
            ))}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function ExplainPanel({ detail, entity, entities, i18n }: { detail: OrderDetail; entity: string; entities: Entities; i18n: I18n }) {
  const { t } = i18n;
  const cur = detail.order.currency;
  const lineIds = useMemo(() => {
    const fromShares = detail.shares.filter((s) => s.entity === entity).map((s) => s.line_id);
    const fromRoles = detail.lines.filter((l) => Object.values(l.roles).includes(entity) || l.legs.some((g) => g.to === entity || g.from === entity)).map((l) => l.id);
    return detail.lines.map((l) => l.id).filter((id) => fromShares.includes(id) || fromRoles.includes(id));
  }, [detail, entity]);

  const inputs = useMemo(() => lineIds.map((line) => ({ order: detail.order.id, line, entity })), [detail.order.id, lineIds, entity]);
  const explained = useApiEach('settlement.explain', inputs);
  const items = explained.data ?? null;
  const error = explained.error;

  const total = items?.reduce((s, e) => s + e.total, 0) ?? 0;
  const payout = detail.payouts[entity] ?? 0;
  return (
    <div className="explain card" data-testid="explanation">
      <h2 className="section-title">{t('order.explanationFor', { entity: entities.name(entity) })}</h2>
      {error && <LoadError error={error} />}
      {!items && !error && <Loading />}
      {items && items.map((e) => (
        <div className="explain-line" key={e.line} data-line={e.line}>
          <div className="explain-line-head">
            <strong>{t('order.lineN', { id: e.line })}</strong>
            <span className="muted small">{e.roles.map((r) => legRoleLabel(t, r)).join(', ')}</span>
          </div>
          <p className="formula">{lineCalcText(e.line_calc, cur, i18n)}</p>
          <table className="data compact" aria-label={t('order.lineN', { id: e.line })}>
            <tbody>
              {e.contributions.map((c, i) => (
                <tr key={i} className={c.kind === 'void_leg' ? 'void' : undefined}>
                  <td className="explain-what">
                    {contributionLabel(t, c.kind)}
                    {c.rule && <span className="mono small muted"> {c.rule}</span>}
                    {c.counterparty && <span className="small muted"> · {c.direction === 'pays' ? t('order.toEntity', { entity: entities.name(c.counterparty) }) : t('order.fromEntity', { entity: entities.name(c.counterparty) })}</span>}
                    <div className="formula">{contributionText(c, cur, i18n)}</div>
                  </td>
                  <td className={`num${c.amount < 0 ? ' neg' : ''}`}>{i18n.money(c.amount, cur)}</td>
                </tr>
              ))}
              <tr className="total"><td>{t('order.lineTotal')}</td><td className="num">{i18n.money(e.total, cur)}</td></tr>
            </tbody>
          </table>
        </div>
      ))}
      {items && items.length === 0 && <p className="muted" data-testid="explain-no-share">{t('order.noShare', { entity: entities.name(entity), amount: i18n.money(payout, cur) })}</p>}
      {items && (
        <div className="explain-sum">
          <span>{t('order.sumOfLines')}</span><span className="num" data-testid="explain-total">{i18n.money(total, cur)}</span>
          {total !== payout && <><span>{t('order.orderLevel')}</span><span className="num">{i18n.money(payout - total, cur)}</span></>}
          <strong>{t('order.payout')}</strong><strong className="num" data-testid="explain-payout">{i18n.money(payout, cur)}</strong>
        </div>
      )}
    </div>
  );
}

function contributionLabel(t: I18n['t'], kind: string): string {
  switch (kind) {
    case 'gross': return t('explain.gross');
    case 'leg': return t('explain.leg');
    case 'leg_vat': return t('explain.leg_vat');
    case 'reversal': return t('explain.reversal');
    case 'fee_share': return t('explain.fee_share');
    case 'psp_fees': return t('explain.psp_fees');
    case 'void_leg': return t('explain.void_leg');
    default: return kind;
  }
}
