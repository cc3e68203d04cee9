// Reconciliation (docs/sync.md): upload the PSP's settlement report (CSV, read by the API with
// the project's CSV parser, at most 20 MB), see each run's matches and every mismatch per
// entity, and mark a mismatch as explained with a note (head office). Others read their own.
import { useCallback, useId, useMemo, useState } from 'react';
import { HEAD_OFFICE_WRITERS } from '../../../../common/vocabulary';
import type { ErrorValue, Output } from '../../api';
import { useI18n, type MessageKey } from '../../i18n';
import { useSession } from '../../session';
import { useApi, useMutate } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';

type Listing = Output<'sync.reconciliation.list'>;
type Item = Listing['items'][number];

/** The largest report the API takes (core/api/sync.ts RECONCILIATION_MAX_CHARS). */
const MAX_BYTES = 20_000_000;

export function ReconciliationView() {
  const { t, number, dateTime, money } = useI18n();
  const { user } = useSession();
  const entities = useEntities();
  const writer = HEAD_OFFICE_WRITERS.includes(user.role);
  const [runId, setRunId] = useState<number | null>(null);
  const [entity, setEntity] = useState('');
  const ids = { run: useId(), entity: useId(), file: useId() };
  const list = useApi('sync.reconciliation.list', { ...(runId !== null ? { run_id: runId } : {}), ...(entity ? { entity } : {}) });
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const [error, setError] = useState<ErrorValue | null>(null);
  const mutate = useMutate();
  const data = list.data;
  const items = useMemo(() => data?.items ?? [], [data]);
  const current = items.find((i) => i.seq === selected) ?? null;

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    if (file.size > MAX_BYTES) { setError({ code: 'too_large', message: t('recon.tooLarge') }); return; }
    const r = await mutate('sync.reconciliation.import', { csv: await file.text(), source: file.name });
    if (!r.ok) { setError(r.error); return; }
    setRunId(r.value.run_id);
    setNotice(t('recon.imported', { matched: r.value.matched, mismatches: r.value.mismatches }));
  };

  const columns = useMemo<Column<Item>[]>(() => [
    { id: 'status', header: t('recon.status'), kind: 'status', value: (r) => r.status, status: (r) => ({ label: t(`recon.status.${r.status}` as MessageKey), tone: r.explanation ? 'grey' : 'red' }), width: 170, grow: 0 },
    { id: 'category', header: t('recon.category'), value: (r) => r.category, text: (r) => t(`recon.category.${r.category}` as MessageKey), width: 110, grow: 0 },
    { id: 'entity', header: t('order.entity'), value: (r) => r.entity, text: (r) => entities.name(r.entity), width: 170, grow: 1 },
    { id: 'expected', header: t('recon.expected'), kind: 'money', value: (r) => r.expected, currency: (r) => r.currency ?? 'EUR', width: 120, grow: 0 },
    { id: 'actual', header: t('recon.actual'), kind: 'money', value: (r) => r.actual, currency: (r) => r.currency ?? 'EUR', width: 120, grow: 0 },
    { id: 'explained', header: t('recon.explanation'), value: (r) => r.explanation?.note ?? '', width: 260, grow: 2 },
  ], [t, entities]);

  const run = data?.run ?? null;
  return (
    <Page title={t('recon.title')} subtitle={t('recon.subtitle')} testId="view-reconciliation">
      <Notice text={notice} onDone={clearNotice} />
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        {writer && (
          <div className="filter">
            <label htmlFor={ids.file}>{t('recon.upload')}</label>
            <input id={ids.file} type="file" accept=".csv,text/csv" onChange={(e) => { void upload(e.target.files?.[0]); e.target.value = ''; }} />
          </div>
        )}
        {data && data.runs.length > 0 && (
          <div className="filter">
            <label htmlFor={ids.run}>{t('recon.run')}</label>
            <select id={ids.run} value={run?.id ?? ''} onChange={(e) => setRunId(Number(e.target.value))}>
              {data.runs.map((r) => <option key={r.id} value={r.id}>{`${dateTime(r.at)} · ${r.source}`}</option>)}
            </select>
          </div>
        )}
        <div className="filter">
          <label htmlFor={ids.entity}>{t('orders.entity')}</label>
          <select id={ids.entity} value={entity} onChange={(e) => setEntity(e.target.value)}>
            <option value="">{t('orders.all')}</option>
            {entities.mine.map((e) => <option key={e.id} value={e.id}>{e.name} ({e.id})</option>)}
          </select>
        </div>
      </div>
      {(list.error ?? error) && <LoadError error={(list.error ?? error)!} onRetry={list.reload} />}
      {run && (
        <dl className="kpis" data-testid="recon-summary">
          <div className="kpi card"><dt>{t('recon.matched')}</dt><dd className="num">{number(run.matched)}</dd></div>
          <div className="kpi card"><dt>{t('recon.mismatches')}</dt><dd className={`num${run.mismatches > 0 ? ' neg' : ''}`}>{number(run.mismatches)}</dd></div>
          <div className="kpi card"><dt>{t('recon.explained')}</dt><dd className="num" data-testid="recon-explained">{number(items.filter((i) => i.explanation).length)}</dd></div>
          <div className="kpi card"><dt>{t('recon.period')}</dt><dd className="kpi-text">{run.period_from ? `${dateTime(run.period_from)} → ${dateTime(run.period_to ?? '')}` : '—'}</dd></div>
        </dl>
      )}
      {data && !run && <p className="muted">{t('recon.none')}</p>}
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable rows={items} columns={columns} rowKey={(r) => String(r.seq)} label={t('recon.mismatches')} loading={list.loading}
          onRowClick={(r) => setSelected(r.seq)} selectedKey={current ? String(current.seq) : null}
          exportName="rapprochement" testId="recon-table" maxHeight="calc(100vh - 420px)" />
        {current && run && (
          <Drawer title={t(`recon.status.${current.status}` as MessageKey)} onClose={() => setSelected(null)} testId="recon-drawer">
            <p>{current.message}</p>
            {current.difference !== null && current.currency && <p className="num">{t('recon.difference', { amount: money(current.difference, current.currency) })}</p>}
            {current.explanation
              ? <p data-testid="explained"><Badge tone="grey">{t('recon.explainedBy', { name: current.explanation.by.name, at: dateTime(current.explanation.at) })}</Badge> {current.explanation.note}</p>
              : writer && <ExplainForm key={current.seq} runId={run.id} seq={current.seq} onDone={setNotice} />}
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function ExplainForm({ runId, seq, onDone }: { runId: number; seq: number; onDone(text: string): void }) {
  const { t } = useI18n();
  const mutate = useMutate();
  const [note, setNote] = useState('');
  const [error, setError] = useState<ErrorValue | null>(null);
  const noteId = useId();
  const save = async () => {
    setError(null);
    const r = await mutate('sync.reconciliation.explain', { run_id: runId, seq, note });
    if (r.ok) onDone(t('recon.explainedDone')); else setError(r.error);
  };
  return (
    <form aria-label={t('recon.explain')} onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <div className="field">
        <label htmlFor={noteId}>{t('recon.note')}</label>
        <textarea id={noteId} value={note} onChange={(e) => setNote(e.target.value)} maxLength={1000} rows={3} />
      </div>
      {error && <LoadError error={error} />}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={note.trim().length < 3}>{t('recon.explain')}</button>
      </div>
    </form>
  );
}
