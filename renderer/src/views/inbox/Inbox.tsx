// The store's fulfilment inbox (docs/spec.md section 7): each line offered to one of its locations,
// what to prepare, for which delivery, and the deadline; the store accepts it or refuses it with
// a reason (the line then goes to the next candidate). Overdue requests are red.
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { INBOX_REFUSAL_REASONS as REFUSAL_REASONS } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities } from '../../entities';
import { channelLabel } from '../../labels';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge, type Tone } from '../../components/Badge';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';
import { REPLICA_CHANGED } from '../replica/Replica';

/** On a replica an answer is queued for head office (core/replication/outbox.ts) rather than applied here. */
const queued = (value: unknown) => (value as { queued?: boolean } | null)?.queued === true;

type InboxList = Output<'inbox.list'>;
type InboxRequest = InboxList['requests'][number];
type RefusalReason = (typeof REFUSAL_REASONS)[number];

const STATUS_TONE: Record<string, Tone> = { open: 'blue', accepted: 'green', refused: 'amber', timed_out: 'red', withdrawn: 'grey' };
export const canAnswer = (role: string) => role === 'admin' || role === 'finance' || role === 'store_manager';

export function InboxView() {
  const { t, dateTime } = useI18n();
  const { user } = useSession();
  const entities = useEntities();
  const [status, setStatus] = useState<'open' | 'closed' | 'all'>('open');
  const statusId = useId();
  const list = useApi('inbox.list', { status, limit: 5000 });
  const now = useNow(60_000);
  const mutate = useMutate();
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const rows = list.data?.requests ?? [];
  const current = rows.find((r) => r.offer === selected) ?? null;

  const statusOf = useCallback((r: InboxRequest) => (r.pending_decision ? { label: t('inbox.status.sent'), tone: 'violet' as Tone }
    : r.overdue ? { label: t('inbox.overdue'), tone: 'red' as Tone } : { label: t(`inbox.status.${r.status}` as MessageKey), tone: STATUS_TONE[r.status] ?? 'grey' }), [t]);
  const columns = useMemo<Column<InboxRequest>[]>(() => [
    { id: 'deadline_at', header: t('inbox.deadline'), kind: 'datetime', value: (r) => r.deadline_at, width: 150, grow: 0 },
    { id: 'left', header: t('inbox.left'), value: (r) => Date.parse(r.deadline_at), text: (r) => (r.status === 'open' ? countdown(t, Date.parse(r.deadline_at) - now) : '—'), width: 130, grow: 0 },
    { id: 'value', header: t('inbox.value'), kind: 'money', value: (r) => r.value, currency: (r) => r.currency, width: 110, grow: 0 },
    { id: 'status', header: t('orders.status'), kind: 'status', value: (r) => (r.overdue ? 'overdue' : r.status), status: statusOf, width: 110, grow: 0 },
    { id: 'order', header: t('orders.id'), kind: 'code', value: (r) => r.order, width: 110, grow: 0 },
    { id: 'line', header: t('order.line'), kind: 'code', value: (r) => r.line, width: 72, grow: 0 },
    { id: 'items', header: t('inbox.items'), value: (r) => r.items.map((i) => `${i.quantity} × ${i.name ?? i.sku ?? '—'}`).join(', '), search: (r) => r.items.map((i) => i.sku ?? '').join(' '), width: 200, grow: 2 },
    { id: 'mode', header: t('inbox.mode'), value: (r) => t(`delivery.${r.customer.mode}` as MessageKey), width: 150, grow: 0 },
    { id: 'location', header: t('inbox.location'), kind: 'code', value: (r) => r.location, width: 110, grow: 0 },
    { id: 'entity', header: t('order.entity'), value: (r) => r.entity, text: (r) => entities.name(r.entity), width: 160, grow: 1 },
    { id: 'channel', header: t('orders.channel'), value: (r) => channelLabel(t, r.channel), width: 100, grow: 0 },
  ], [t, entities, statusOf, now]);

  const open = rows.filter((r) => r.status === 'open').length;
  const overdue = rows.filter((r) => r.overdue).length;
  // The answer already had the list read again (useMutate).
  const answered = (text: string) => { setNotice(text); setSelected(null); };

  return (
    <Page title={t('inbox.title')} subtitle={t('inbox.subtitle')} testId="view-inbox">
      <Notice text={notice} onDone={clearNotice} />
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <div className="filter">
          <label htmlFor={statusId}>{t('orders.status')}</label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="open">{t('inbox.filter.open')}</option>
            <option value="closed">{t('inbox.filter.closed')}</option>
            <option value="all">{t('orders.all')}</option>
          </select>
        </div>
        {list.data && status === 'open' && (
          <span className="filter-note small" data-testid="inbox-counts">
            {t('inbox.counts', { open, overdue })}
          </span>
        )}
        {list.data && <span className="muted small filter-note push-right">{t('dashboard.asOf', { at: dateTime(list.data.at) })}</span>}
      </div>
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable
          rows={rows} columns={columns} rowKey={(r) => String(r.offer)} label={t('inbox.title')} loading={list.loading}
          onRowClick={(r) => { setSelected(r.offer); if (!r.read) void mutate('inbox.markRead', { offers: [r.offer] }); }} selectedKey={current ? String(current.offer) : null}
          initialSort={{ column: 'deadline_at', dir: 'asc' }} exportName="demandes" testId="inbox-table"
        />
        {current && (
          <Drawer title={t('inbox.request', { order: current.order, line: current.line })} onClose={() => setSelected(null)} testId="inbox-drawer">
            <RequestPanel key={current.offer} r={current} canAct={canAnswer(user.role) && current.status === 'open' && !current.pending_decision} onAnswered={answered} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function RequestPanel({ r, canAct, onAnswered }: { r: InboxRequest; canAct: boolean; onAnswered(text: string): void }) {
  const { t, dateTime, money } = useI18n();
  const now = useNow(60_000);
  const entities = useEntities();
  const [reason, setReason] = useState<RefusalReason>('no_stock');
  const [note, setNote] = useState('');
  const [refusing, setRefusing] = useState(false);
  const [tried, setTried] = useState(false);
  // "Other" says nothing by itself: the next location and head office need the why (the API refuses it without).
  const noteRequired = reason === 'other';
  const noteMissing = noteRequired && note.trim() === '';
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const ids = { reason: useId(), note: useId() };
  const mutate = useMutate();
  const target = { order: r.order, line: r.line, location: r.location };
  const done = (value: unknown, text: string) => {
    if (!queued(value)) return onAnswered(text);
    window.dispatchEvent(new Event(REPLICA_CHANGED));
    onAnswered(t('inbox.queued'));
  };

  const accept = async () => {
    setBusy(true);
    const res = await mutate('inbox.accept', target);
    setBusy(false);
    if (res.ok) done(res.value, t('inbox.accepted', { order: r.order, line: r.line })); else setError(res.error);
  };
  const refuse = async () => {
    setBusy(true);
    const res = await mutate('inbox.refuse', { ...target, reason, ...(note.trim() ? { note: note.trim() } : {}) });
    setBusy(false);
    if (res.ok) done(res.value, t('inbox.refused', { order: r.order, line: r.line })); else setError(res.error);
  };

  return (
    <div className="request">
      <dl className="facts facts-2">
        <div><dt>{t('inbox.location')}</dt><dd className="mono">{r.location}</dd></div>
        <div><dt>{t('order.entity')}</dt><dd>{entities.name(r.entity)}</dd></div>
        <div><dt>{t('inbox.mode')}</dt><dd>{t(`delivery.${r.customer.mode}` as MessageKey)}</dd></div>
        <div><dt>{t('inbox.pickup')}</dt><dd>{r.customer.pickup_location ?? '—'}</dd></div>
        <div><dt>{t('inbox.offered')}</dt><dd>{dateTime(r.offered_at)}</dd></div>
        <div><dt>{t('inbox.deadline')}</dt><dd className={r.overdue ? 'neg' : undefined}>{dateTime(r.deadline_at)}{r.status === 'open' && <span className="small" data-testid="countdown"> · {countdown(t, Date.parse(r.deadline_at) - now)}</span>}</dd></div>
        <div><dt>{t('inbox.value')}</dt><dd className="num">{money(r.value, r.currency)}</dd></div>
      </dl>
      <h3 className="subsection">{t('inbox.items')}</h3>
      <table className="data compact" aria-label={t('inbox.items')}>
        <thead><tr><th scope="col">SKU</th><th scope="col">{t('inbox.article')}</th><th scope="col" className="num">{t('inbox.quantity')}</th></tr></thead>
        <tbody>{r.items.map((i, n) => <tr key={n}><td className="mono">{i.sku ?? '—'}</td><td>{i.name ?? '—'}</td><td className="num">{i.quantity}</td></tr>)}</tbody>
      </table>
      {r.pending_decision && <p className="small" data-testid="pending-decision"><Badge tone="violet">{t('inbox.pendingDecision')}</Badge></p>}
      {r.status !== 'open' && (
        <p className="small"><Badge tone={STATUS_TONE[r.status] ?? 'grey'}>{t(`inbox.status.${r.status}` as MessageKey)}</Badge>{r.reason ? ` — ${t(`inbox.reason.${r.reason}` as MessageKey)}` : ''}{r.note ? ` — ${r.note}` : ''}</p>
      )}
      {error && <LoadError error={error} />}
      {canAct && !refusing && (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={accept} disabled={busy}>{t('inbox.accept')}</button>
          <button type="button" className="btn btn-danger-quiet" onClick={() => setRefusing(true)} disabled={busy}>{t('inbox.refuse')}</button>
        </div>
      )}
      {canAct && refusing && (
        <div className="confirm" role="group" aria-label={t('inbox.refuse')}>
          <p>{t('inbox.refuseHint')}</p>
          <div className="form-stack">
            <div className="field">
              <label htmlFor={ids.reason}>{t('inbox.reason')}</label>
              <select id={ids.reason} value={reason} onChange={(e) => setReason(e.target.value as RefusalReason)}>
                {REFUSAL_REASONS.map((x) => <option key={x} value={x}>{t(`inbox.reason.${x}` as MessageKey)}</option>)}
              </select>
            </div>
            <div className={`field${noteMissing && tried ? ' invalid' : ''}`}>
              <div className="label-row">
                <label htmlFor={ids.note}>{t(noteRequired ? 'inbox.noteLabel' : 'inbox.note')}</label>
                {noteRequired && <span className="req" aria-hidden="true">*</span>}
              </div>
              <input id={ids.note} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} aria-required={noteRequired || undefined}
                aria-invalid={(noteMissing && tried) || undefined} aria-describedby={noteRequired ? `${ids.note}-hint` : undefined} />
              {noteRequired && <p id={`${ids.note}-hint`} className={noteMissing && tried ? 'field-error' : 'field-hint'}>{t('inbox.noteRequired')}</p>}
            </div>
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" onClick={() => { setTried(true); if (!noteMissing) void refuse(); }} disabled={busy}>{t('inbox.confirmRefuse')}</button>
            <button type="button" className="btn" onClick={() => setRefusing(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
    </div>
  );
}

/** Now, read again every `everyMs` (the countdowns move while the inbox stays open). */
function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

/** "3 h 12 min left", "25 min left", "overdue by 2 h". */
function countdown(t: ReturnType<typeof useI18n>['t'], ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (ms <= 0) return t('inbox.overdueBy', { h, m });
  return t('inbox.timeLeft', { h, m });
}
