// The outbox (docs/spec.md section 10): every call to the PSP and the ERP waits there until the runner
// sends it and records the acknowledgement. Head office sees what waits, what failed and the dead
// letters (calls the runner gave up on), and can retry one (same idempotency key, so the PSP
// applies it at most once) or cancel it with a reason.
import { useCallback, useId, useMemo, useState } from 'react';
import { HEAD_OFFICE_WRITERS, OUTBOX_STATUSES, type OutboxStatus, type Role } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge, type Tone } from '../../components/Badge';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

type OutboxRow = Output<'sync.outbox.list'>['rows'][number];

export const OUTBOX_TONE: Record<OutboxStatus, Tone> = { pending: 'blue', in_flight: 'violet', sent: 'green', failed: 'amber', dead: 'red', cancelled: 'grey' };
const canOperate = (role: Role) => HEAD_OFFICE_WRITERS.includes(role);

export function SyncView() {
  const { t, dateTime, number } = useI18n();
  const entities = useEntities();
  const status = useApi('sync.status');
  const [filter, setFilter] = useState<'' | OutboxStatus>('');
  const filterId = useId();
  const list = useApi('sync.outbox.list', { ...(filter ? { status: filter } : {}), limit: 1000 });
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const rows = list.data?.rows ?? [];
  const current = rows.find((r) => r.id === selected) ?? null;
  const s = status.data;

  const columns = useMemo<Column<OutboxRow>[]>(() => [
    { id: 'id', header: '#', kind: 'number', value: (r) => r.id, width: 50, grow: 0 },
    { id: 'status', header: t('orders.status'), kind: 'status', value: (r) => r.status, status: (r) => ({ label: t(`sync.status.${r.status}` as MessageKey), tone: OUTBOX_TONE[r.status] ?? 'grey' }), width: 110, grow: 0 },
    { id: 'kind', header: t('sync.kind'), kind: 'code', value: (r) => r.kind, width: 120, grow: 0 },
    { id: 'entity', header: t('order.entity'), value: (r) => r.entity, text: (r) => (r.entity ? entities.name(r.entity) : ''), search: (r) => r.entity ?? '', width: 170, grow: 1 },
    { id: 'attempts', header: t('sync.attempts'), kind: 'number', value: (r) => r.attempts, width: 70, grow: 0 },
    { id: 'next', header: t('sync.nextAttempt'), kind: 'datetime', value: (r) => (r.status === 'pending' || r.status === 'failed' ? r.next_attempt_at : null), width: 150, grow: 0 },
    { id: 'error', header: t('sync.lastError'), value: (r) => r.last_error, width: 180, grow: 2 },
    { id: 'created_at', header: t('sync.created'), kind: 'datetime', value: (r) => r.created_at, width: 150, grow: 0 },
  ], [t, entities]);


  return (
    <Page title={t('sync.title')} subtitle={t('sync.subtitle')} testId="view-sync">
      <Notice text={notice} onDone={clearNotice} />
      {(status.error ?? list.error) && <LoadError error={(status.error ?? list.error)!} onRetry={() => { status.reload(); list.reload(); }} />}
      {s && (
        <>
          <dl className="kpis outbox-kpis" data-testid="sync-counts">
            {OUTBOX_STATUSES.map((k) => (
              <div className={`kpi card kpi-${k}`} key={k} data-status={k}>
                <dt><Badge tone={OUTBOX_TONE[k]}>{t(`sync.status.${k}` as MessageKey)}</Badge></dt>
                <dd className="num">{number(s.counts[k] ?? 0)}</dd>
              </div>
            ))}
          </dl>
          <dl className="facts card sync-facts">
            <div><dt>{t('sync.lastSuccess')}</dt><dd>{s.last_success ? `${dateTime(s.last_success.sent_at)} · ${s.last_success.kind}` : '—'}</dd></div>
            <div><dt>{t('sync.lastErrorAt')}</dt><dd className={s.last_error ? 'neg' : undefined}>{s.last_error ? `${dateTime(s.last_error.at)} · ${s.last_error.message ?? s.last_error.code ?? ''}` : '—'}</dd></div>
            <div><dt>{t('sync.nextAttempt')}</dt><dd>{s.next_attempt_at ? dateTime(s.next_attempt_at) : '—'}</dd></div>
            <div><dt>{t('sync.offline')}</dt><dd>{s.offline_since ? dateTime(s.offline_since) : t('sync.online')}</dd></div>
            <div><dt>{t('sync.pspFailures')}</dt><dd className={s.psp_failures ? 'neg' : undefined}>{number(s.psp_failures)}</dd></div>
          </dl>
        </>
      )}
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <div className="filter">
          <label htmlFor={filterId}>{t('orders.status')}</label>
          <select id={filterId} value={filter} onChange={(e) => setFilter(e.target.value as typeof filter)}>
            <option value="">{t('orders.all')}</option>
            {OUTBOX_STATUSES.map((k) => <option key={k} value={k}>{t(`sync.status.${k}` as MessageKey)}</option>)}
          </select>
        </div>
        {list.data?.next_before_id && <span className="muted small filter-note">{t('sync.latest', { n: rows.length })}</span>}
      </div>
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable
          rows={rows} columns={columns} rowKey={(r) => String(r.id)} label={t('sync.outbox')} loading={list.loading}
          onRowClick={(r) => setSelected(r.id)} selectedKey={current ? String(current.id) : null}
          exportName="outbox" testId="outbox-table" maxHeight="calc(100vh - 420px)"
        />
        {current && (
          <Drawer title={t('sync.call', { id: current.id })} onClose={() => setSelected(null)} testId="outbox-drawer">
            <OutboxPanel key={current.id} row={current} onChanged={setNotice} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

/** `onChanged` gets the notice to show; the outbox and the header's indicator are already read again (useMutate). */
function OutboxPanel({ row, onChanged }: { row: OutboxRow; onChanged(text: string): void }) {
  const { t, dateTime } = useI18n();
  const { user } = useSession();
  const entities = useEntities();
  const [reason, setReason] = useState('');
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const reasonId = useId();
  const mutate = useMutate();
  const actionable = canOperate(user.role) && (row.status === 'failed' || row.status === 'dead' || row.status === 'pending');
  const retry = async () => {
    const r = await mutate('sync.outbox.retry', { id: row.id });
    if (r.ok) onChanged(t('sync.retried', { id: row.id })); else setError(r.error);
  };
  const cancel = async () => {
    const r = await mutate('sync.outbox.cancel', { id: row.id, reason });
    if (r.ok) onChanged(t('sync.cancelled', { id: row.id })); else setError(r.error);
  };
  return (
    <div>
      <dl className="facts facts-2">
        <div><dt>{t('orders.status')}</dt><dd><Badge tone={OUTBOX_TONE[row.status] ?? 'grey'}>{t(`sync.status.${row.status}` as MessageKey)}</Badge></dd></div>
        <div><dt>{t('sync.kind')}</dt><dd className="mono">{row.kind} → {row.target}</dd></div>
        <div><dt>{t('order.entity')}</dt><dd>{row.entity ? entities.name(row.entity) : '—'}</dd></div>
        <div><dt>{t('sync.attempts')}</dt><dd className="num">{row.attempts}</dd></div>
        <div><dt>{t('sync.created')}</dt><dd>{dateTime(row.created_at)}</dd></div>
        <div><dt>{t('sync.sent')}</dt><dd>{row.sent_at ? dateTime(row.sent_at) : '—'}</dd></div>
      </dl>
      <p className="small"><span className="muted">{t('sync.key')} :</span> <code className="mono wrap">{row.idempotency_key}</code></p>
      {row.last_error && <p className="alert alert-error small">{row.last_error_code ? `[${row.last_error_code}] ` : ''}{row.last_error}</p>}
      <h3 className="subsection">{t('sync.payload')}</h3>
      <pre className="json">{JSON.stringify(row.payload, null, 2)}</pre>
      {row.response !== null && (<><h3 className="subsection">{t('sync.response')}</h3><pre className="json">{JSON.stringify(row.response, null, 2)}</pre></>)}
      {error && <LoadError error={error} />}
      {actionable && !cancelling && (
        <div className="form-actions">
          {row.status !== 'pending' && <button type="button" className="btn btn-primary" onClick={retry}>{t('sync.retry')}</button>}
          <button type="button" className="btn btn-danger-quiet" onClick={() => setCancelling(true)}>{t('sync.cancel')}</button>
        </div>
      )}
      {cancelling && (
        <div className="confirm" role="group" aria-label={t('sync.cancel')}>
          <p>{t('sync.cancelHint')}</p>
          <div className="field">
            <label htmlFor={reasonId}>{t('sync.reason')}</label>
            <input id={reasonId} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={cancel} disabled={reason.trim().length < 3}>{t('sync.confirmCancel')}</button>
            <button type="button" className="btn" onClick={() => setCancelling(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * The header's sync state: every call sent (green), calls waiting (blue), some failed or dead
 * (red), or offline since a time (amber). Read every 30 seconds, when the window gets the focus,
 * and after any change; a link to the outbox for those who see it.
 */
export function SyncIndicator({ linkable }: { linkable: boolean }) {
  const { t, dateTime } = useI18n();
  const s = useApi('sync.status', {}, { refreshEvery: 30_000, refreshOnFocus: true }).data;
  if (!s) return null;
  const bad = (s.counts.failed ?? 0) + (s.counts.dead ?? 0);
  const waiting = (s.counts.pending ?? 0) + (s.counts.in_flight ?? 0);
  const [tone, text]: [Tone, string] = s.offline_since ? ['amber', t('sync.ind.offline', { at: dateTime(s.offline_since) })]
    : bad > 0 ? ['red', t('sync.ind.failed', { n: bad })]
      : waiting > 0 ? ['blue', t('sync.ind.waiting', { n: waiting })]
        : ['green', t('sync.ind.ok')];
  const content = <span className={`sync-ind sync-${tone}`} data-testid="sync-indicator"><span className="dot" aria-hidden="true" />{text}</span>;
  return linkable ? <a href={href('/sync')} className="sync-link" title={t('sync.title')}>{content}</a> : content;
}
