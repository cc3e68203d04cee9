// Release runs for head office (docs/release.md): preview a run as of a date (what each entity
// gets and why, totals per currency), four eyes above the network's threshold (submit, then a
// second person approves or rejects; the preparer cannot approve), run it, and the history of
// runs with each transfer's PSP status; a dead letter links to the outbox (retry or cancel).
import { useCallback, useId, useMemo, useState } from 'react';
import { HEAD_OFFICE_WRITERS } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { href } from '../../router';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge, type Tone } from '../../components/Badge';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

type Preview = Output<'release.preview'>;
type Planned = Preview['transfers'][number];
type Approval = Output<'release.approvals'>['approvals'][number];
type Run = Output<'release.list'>['runs'][number];
type Transfer = Output<'release.get'>['transfers'][number];
type PspStatus = Transfer['psp_status'];

export const PSP_TONE: Record<PspStatus, Tone> = { queued: 'blue', sent: 'violet', paid: 'green', failed: 'red', reversed: 'amber', cancelled: 'grey' };
const APPROVAL_TONE: Record<Approval['status'], Tone> = { pending: 'amber', approved: 'green', rejected: 'red', withdrawn: 'grey', executed: 'blue' };

const today = () => new Date().toISOString().slice(0, 10);
/** Today: now; an earlier day: its end in UTC (what became releasable by then). */
const asOfInput = (day: string): { as_of?: string } => (day >= today() ? {} : { as_of: `${day}T23:59:59Z` });

export function ReleaseView() {
  const { t } = useI18n();
  const { user } = useSession();
  const writer = HEAD_OFFICE_WRITERS.includes(user.role);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  return (
    <Page title={t('release.title')} subtitle={t('release.subtitle')} testId="view-release">
      <Notice text={notice} onDone={clearNotice} />
      <PreviewSection writer={writer} onDone={setNotice} />
      <ApprovalsSection writer={writer} userId={user.id} onDone={setNotice} />
      <HistorySection />
    </Page>
  );
}

function PreviewSection({ writer, onDone }: { writer: boolean; onDone(text: string): void }) {
  const { t, money, number, date } = useI18n();
  const entities = useEntities();
  const [day, setDay] = useState(today);
  const dayId = useId();
  const preview = useApi('release.preview', asOfInput(day));
  const mutate = useMutate();
  const [error, setError] = useState<ErrorValue | null>(null);
  const p = preview.data;

  const columns = useMemo<Column<Planned>[]>(() => [
    { id: 'entity', header: t('order.entity'), value: (r) => r.entity, text: (r) => entities.name(r.entity), search: (r) => r.entity, width: 200, grow: 2 },
    { id: 'kind', header: t('release.kind'), kind: 'status', value: (r) => r.kind, status: (r) => ({ label: t(`release.kind.${r.kind}` as MessageKey), tone: r.kind === 'reversal' ? 'amber' : r.kind === 'withdrawal' ? 'violet' : 'blue' }), width: 120, grow: 0 },
    { id: 'amount', header: t('release.amount'), kind: 'money', value: (r) => r.amount, currency: (r) => r.currency, width: 130, grow: 0 },
    { id: 'why', header: t('release.why'), value: (r) => r.reason.orders, text: (r) => whyText(t, money, r), width: 320, grow: 3 },
  ], [t, entities, money]);

  const submit = async () => {
    setError(null);
    const r = await mutate('release.submit', asOfInput(day));
    if (r.ok) onDone(t('release.submitted')); else setError(r.error);
  };
  const run = async () => {
    setError(null);
    const r = await mutate('release.run', asOfInput(day));
    if (r.ok) onDone(t('release.ran', { n: r.value.transfers.length })); else setError(r.error);
  };

  return (
    <section className="card section" aria-labelledby={`${dayId}-h`} data-testid="release-preview">
      <h2 id={`${dayId}-h`} className="section-title">{t('release.preview')}</h2>
      <div className="filters" role="search" aria-label={t('release.preview')}>
        <div className="filter">
          <label htmlFor={dayId}>{t('release.asOf')}</label>
          <input id={dayId} type="date" value={day} max={today()} onChange={(e) => e.target.value && setDay(e.target.value)} />
        </div>
        {p && <span className="muted small filter-note">{t('release.asOfNote', { at: date(p.as_of) })}</span>}
      </div>
      {preview.error && <LoadError error={preview.error} onRetry={preview.reload} />}
      {p && (
        <>
          <dl className="kpis" data-testid="release-totals">
            {p.totals.map((x) => (
              <div className="kpi card" key={x.currency} data-currency={x.currency}>
                <dt>{t('release.outgoing', { currency: x.currency })}</dt>
                <dd className="num kpi-money">{money(x.outgoing, x.currency)}</dd>
                <dd className="muted small">{t('release.totalsDetail', { n: x.movements, transferred: money(x.transferred, x.currency), withdrawn: money(x.withdrawn, x.currency), reversed: money(x.reversed, x.currency) })}</dd>
              </div>
            ))}
            {p.totals.length === 0 && <p className="muted">{t('release.nothing')}</p>}
          </dl>
          {p.approval.required && (
            <p className="alert alert-warning" data-testid="approval-needed">
              {t('release.approvalNeeded', { over: p.approval.over.map((o) => `${money(o.outgoing, o.currency)} > ${money(o.threshold, o.currency)}`).join(', ') })}
            </p>
          )}
          {p.carried.length > 0 && <p className="muted small">{t('release.carried', { n: p.carried.length })}</p>}
          <DataTable
            rows={p.transfers} columns={columns} rowKey={(r) => r.idempotency_key} label={t('release.preview')} loading={preview.loading}
            initialSort={{ column: 'amount', dir: 'desc' }} exportName="apercu-versement" testId="preview-table" maxHeight="360px"
          />
          {error && <LoadError error={error} />}
          {writer && p.transfers.length > 0 && (
            <div className="form-actions">
              {p.approval.required
                ? <button type="button" className="btn btn-primary" onClick={submit}>{t('release.submit')}</button>
                : <button type="button" className="btn btn-primary" onClick={run}>{t('release.run', { n: number(p.transfers.length) })}</button>}
            </div>
          )}
        </>
      )}
    </section>
  );
}

function whyText(t: (k: MessageKey, p?: Record<string, string | number>) => string, money: (m: number, c: string) => string, r: Planned): string {
  const base = t('release.whyOrders', { n: r.reason.orders, paid: money(r.reason.paid, r.currency) });
  return r.reason.netted > 0 ? `${base} ${t('release.whyNetted', { n: r.reason.netted_orders, netted: money(r.reason.netted, r.currency) })}` : base;
}

function ApprovalsSection({ writer, userId, onDone }: { writer: boolean; userId: string; onDone(text: string): void }) {
  const { t, money, dateTime } = useI18n();
  const list = useApi('release.approvals', { limit: 20 });
  const approvals = list.data?.approvals ?? [];
  return (
    <section className="card section" data-testid="release-approvals">
      <h2 className="section-title">{t('release.approvals')}</h2>
      {list.error && <LoadError error={list.error} onRetry={list.reload} />}
      {approvals.length === 0 && !list.loading && <p className="muted">{t('release.noApproval')}</p>}
      <ul className="plain-list">
        {approvals.map((a) => (
          <li key={a.id} className="approval" data-testid="approval" data-status={a.status}>
            <div>
              <Badge tone={APPROVAL_TONE[a.status]}>{t(`release.approval.${a.status}` as MessageKey)}</Badge>{' '}
              <strong>{t('release.approvalOf', { at: dateTime(a.as_of) })}</strong>{' '}
              <span className="num">{a.totals.map((x) => money(x.outgoing, x.currency)).join(' · ')}</span>
            </div>
            <div className="muted small">
              {t('release.preparedBy', { name: a.prepared_by.name, at: dateTime(a.prepared_at) })}
              {a.decided_by && ` · ${t('release.decidedBy', { name: a.decided_by.name, at: dateTime(a.decided_at ?? '') })}`}
              {a.note && ` · « ${a.note} »`}
            </div>
            {writer && <ApprovalActions approval={a} mine={a.prepared_by.id === userId} onDone={onDone} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function ApprovalActions({ approval, mine, onDone }: { approval: Approval; mine: boolean; onDone(text: string): void }) {
  const { t } = useI18n();
  const mutate = useMutate();
  const [note, setNote] = useState('');
  const [rejecting, setRejecting] = useState(false);
  const [error, setError] = useState<ErrorValue | null>(null);
  const noteId = useId();
  const act = async (p: Promise<{ ok: boolean; error?: ErrorValue }>, text: string) => {
    setError(null);
    const r = await p;
    if (r.ok) onDone(text); else setError(r.error ?? null);
  };
  if (approval.status === 'approved') {
    return (
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => act(mutate('release.run', { approval: approval.id, as_of: approval.as_of }), t('release.ran', { n: approval.transfer_count }))}>
          {t('release.runApproved')}
        </button>
        {error && <LoadError error={error} />}
      </div>
    );
  }
  if (approval.status !== 'pending') return null;
  return (
    <div>
      {mine && <p className="muted small" data-testid="four-eyes">{t('release.fourEyes')}</p>}
      {!rejecting && (
        <div className="form-actions">
          {!mine && <button type="button" className="btn btn-primary" onClick={() => act(mutate('release.approve', { id: approval.id }), t('release.approved'))}>{t('release.approve')}</button>}
          <button type="button" className="btn btn-danger-quiet" onClick={() => setRejecting(true)}>{mine ? t('release.withdraw') : t('release.reject')}</button>
        </div>
      )}
      {rejecting && (
        <div className="confirm" role="group" aria-label={t('release.reject')}>
          <div className="field">
            <label htmlFor={noteId}>{t('release.note')}</label>
            <input id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
          </div>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" disabled={note.trim().length < 3} onClick={() => act(mutate('release.reject', { id: approval.id, note }), t('release.rejected'))}>{t('release.confirmReject')}</button>
            <button type="button" className="btn" onClick={() => setRejecting(false)}>{t('form.cancel')}</button>
          </div>
        </div>
      )}
      {error && <LoadError error={error} />}
    </div>
  );
}

function HistorySection() {
  const { t, money } = useI18n();
  const runs = useApi('release.list', { limit: 100 });
  const [selected, setSelected] = useState<string | null>(null);
  const rows = runs.data?.runs ?? [];
  const columns = useMemo<Column<Run>[]>(() => [
    { id: 'as_of', header: t('release.asOf'), kind: 'datetime', value: (r) => r.as_of, width: 150, grow: 0 },
    { id: 'created_at', header: t('release.madeAt'), kind: 'datetime', value: (r) => r.created_at, width: 150, grow: 0 },
    { id: 'transfers', header: t('release.transfers'), kind: 'number', value: (r) => r.transfer_count, width: 90, grow: 0 },
    { id: 'total', header: t('release.total'), value: (r) => r.totals.reduce((s, x) => s + x.transferred + x.withdrawn, 0), text: (r) => r.totals.map((x) => money(x.transferred + x.withdrawn, x.currency)).join(' · '), width: 150, grow: 1 },
    { id: 'statuses', header: t('release.pspStatuses'), value: (r) => r.statuses.failed, text: (r) => (Object.entries(r.statuses) as [PspStatus, number][]).filter(([, n]) => n > 0).map(([s, n]) => `${t(`release.psp.${s}` as MessageKey)} ${n}`).join(' · '), width: 260, grow: 2 },
  ], [t, money]);
  return (
    <section className="card section" data-testid="release-history">
      <h2 className="section-title">{t('release.history')}</h2>
      {runs.error && <LoadError error={runs.error} onRetry={runs.reload} />}
      <div className={`split${selected ? ' with-drawer' : ''}`}>
        <DataTable rows={rows} columns={columns} rowKey={(r) => r.id} label={t('release.history')} loading={runs.loading}
          onRowClick={(r) => setSelected(r.id)} selectedKey={selected} exportName="versements" testId="runs-table" maxHeight="360px" />
        {selected && (
          <Drawer title={t('release.runTitle')} onClose={() => setSelected(null)} testId="run-drawer">
            <RunTransfers id={selected} />
          </Drawer>
        )}
      </div>
    </section>
  );
}

function RunTransfers({ id }: { id: string }) {
  const { t, money } = useI18n();
  const entities = useEntities();
  const run = useApi('release.get', { id });
  if (run.error) return <LoadError error={run.error} onRetry={run.reload} />;
  const transfers: Transfer[] = run.data?.transfers ?? [];
  return (
    <table className="table compact" data-testid="run-transfers">
      <thead><tr><th>{t('order.entity')}</th><th className="num">{t('release.amount')}</th><th>{t('release.pspStatus')}</th></tr></thead>
      <tbody>
        {transfers.map((x) => (
          <tr key={x.id} data-psp-status={x.psp_status}>
            <td>{entities.name(x.entity)}</td>
            <td className="num">{money(x.amount, x.currency)}</td>
            <td>
              <Badge tone={PSP_TONE[x.psp_status]}>{t(`release.psp.${x.psp_status}` as MessageKey)}</Badge>
              {x.delivery?.status === 'dead' && <> <a href={href('/sync')} className="small">{t('release.deadLetter')}</a></>}
              {x.delivery?.last_error && <div className="muted small">{x.delivery.last_error}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
