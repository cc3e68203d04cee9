// The audit trail (administrator, auditor; docs/security.md): every change and refusal with who,
// when, what and on which entities, searched by operation, entity, outcome and dates (the API
// filters, newest first, 500 rows a page), a row's input and before/after, the check of the
// hash chain with its result (head hash and rows, to compare with a head kept elsewhere), and
// the CSV export of what the filters select.
import { useCallback, useId, useMemo, useState } from 'react';
import type { ErrorValue, Input, Output } from '../../api';
import { call } from '../../api';
import { useI18n } from '../../i18n';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { downloadFile } from '../../components/csv';
import { Drawer, LoadError, Page } from '../../components/Page';
import { EntityFilter } from '../../components/EntityFilter';

type Row = Output<'audit.list'>['rows'][number];
type Verification = Output<'audit.verify'>;
type Filters = Omit<Input<'audit.list'>, 'before' | 'limit'>;

/** The newest rows the filters select (the API's page size); the export takes them all. */
const PAGE = 500;

export function AuditView() {
  const { t, number } = useI18n();
  const entities = useEntities();
  const ids = { op: useId(), outcome: useId(), from: useId(), to: useId() };
  const [draft, setDraft] = useState({ operation: '', entity: '', outcome: '', from: '', to: '' });
  const [filters, setFilters] = useState<Filters>({});
  const list = useApi('audit.list', { ...filters, limit: PAGE });
  const [selected, setSelected] = useState<number | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const rows = useMemo(() => list.data?.rows ?? [], [list.data]);
  const current = rows.find((r) => r.seq === selected) ?? null;

  const apply = () => {
    const op = draft.operation.trim();
    setFilters({
      ...(op ? { operation: op.includes('.') || op.endsWith('*') ? op : `${op}*` } : {}),
      ...(draft.entity ? { entity: draft.entity } : {}),
      ...(draft.outcome === 'ok' || draft.outcome === 'refused' ? { outcome: draft.outcome } : {}),
      ...(draft.from ? { from: draft.from } : {}),
      ...(draft.to ? { to: draft.to } : {}),
    });
  };
  const exportCsv = async () => {
    setError(null);
    const r = await call('audit.export', filters);
    if (!r.ok) { setError(r.error); return; }
    downloadFile(r.value.filename, [r.value.csv], r.value.content_type);
  };

  const columns = useMemo<Column<Row>[]>(() => [
    { id: 'seq', header: t('audit.seq'), kind: 'number', value: (r) => r.seq, width: 80, grow: 0 },
    { id: 'at', header: t('audit.at'), kind: 'datetime', value: (r) => r.at, width: 150, grow: 0 },
    { id: 'actor', header: t('audit.actor'), value: (r) => r.actor.name, search: (r) => `${r.actor.id} ${r.actor.role}`, width: 180, grow: 1 },
    { id: 'operation', header: t('audit.operation'), kind: 'code', value: (r) => r.operation, width: 200, grow: 1 },
    {
      id: 'outcome', header: t('audit.outcome'), kind: 'status', value: (r) => r.outcome,
      status: (r) => (r.outcome === 'ok' ? { label: t('audit.outcome.ok'), tone: 'green' } : { label: t('audit.outcome.refused', { code: r.outcome }), tone: 'red' }), width: 150, grow: 0,
    },
    { id: 'entities', header: t('audit.entities'), value: (r) => r.entities.join(', '), text: (r) => r.entities.map((e) => entities.name(e)).join(', '), search: (r) => r.entities.join(' '), width: 180, grow: 1 },
  ], [t, entities]);

  return (
    <Page
      title={t('audit.title')} subtitle={t('audit.subtitle')} testId="view-audit"
      actions={<button type="button" className="btn" onClick={() => void exportCsv()}>{t('audit.export')}</button>}
    >
      <ChainCheck />
      <form className="filters card" role="search" aria-label={t('orders.filters')} onSubmit={(e) => { e.preventDefault(); apply(); }}>
        <div className="filter">
          <label htmlFor={ids.op}>{t('audit.operation')}</label>
          <input id={ids.op} value={draft.operation} onChange={(e) => setDraft({ ...draft, operation: e.target.value })} placeholder="users.*" className="mono" maxLength={100} />
        </div>
        <EntityFilter value={draft.entity} onChange={(entity) => setDraft({ ...draft, entity })} all />
        <div className="filter">
          <label htmlFor={ids.outcome}>{t('audit.outcome')}</label>
          <select id={ids.outcome} value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
            <option value="">{t('orders.all')}</option>
            <option value="ok">{t('audit.outcome.ok')}</option>
            <option value="refused">{t('audit.outcome.refusedAny')}</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.from}>{t('audit.from')}</label>
          <input id={ids.from} type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </div>
        <div className="filter">
          <label htmlFor={ids.to}>{t('audit.to')}</label>
          <input id={ids.to} type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </div>
        <button type="submit" className="btn">{t('audit.search')}</button>
        {list.data && <span className="filter-note small push-right" data-testid="audit-total">{t('audit.shown', { shown: rows.length, total: list.data.total })}</span>}
      </form>
      {(list.error ?? error) && <LoadError error={(list.error ?? error)!} onRetry={list.reload} />}
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable
          rows={rows} columns={columns} rowKey={(r) => String(r.seq)} label={t('audit.title')} loading={list.loading}
          onRowClick={(r) => setSelected(r.seq)} selectedKey={current ? String(current.seq) : null}
          exportName="journal-audit" testId="audit-table" maxHeight="calc(100vh - 430px)"
        />
        {current && (
          <Drawer title={t('audit.row', { seq: number(current.seq) })} onClose={() => setSelected(null)} testId="audit-drawer">
            <AuditRow row={current} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function AuditRow({ row }: { row: Row }) {
  const { t, dateTime } = useI18n();
  const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 2));
  return (
    <div>
      <dl className="facts facts-2">
        <div><dt>{t('audit.at')}</dt><dd>{dateTime(row.at)}</dd></div>
        <div><dt>{t('audit.actor')}</dt><dd>{row.actor.name} <span className="muted small">({t(`role.${row.actor.role as 'admin'}`)})</span></dd></div>
        <div><dt>{t('audit.operation')}</dt><dd className="mono">{row.operation}</dd></div>
        <div><dt>{t('audit.outcome')}</dt><dd>{row.outcome}</dd></div>
      </dl>
      {row.redacted && <p className="small"><Badge tone="grey">{t('audit.redacted')}</Badge></p>}
      <h3 className="subsection">{t('audit.input')}</h3>
      <pre className="json">{json(row.input)}</pre>
      <h3 className="subsection">{t('audit.before')}</h3>
      <pre className="json">{json(row.before)}</pre>
      <h3 className="subsection">{t('audit.after')}</h3>
      <pre className="json">{json(row.after)}</pre>
      <p className="small muted mono hash">{t('audit.hash', { hash: row.hash })}</p>
    </div>
  );
}

/** The chain check, run on request (it reads every row): its verdict, the head hash and the rows. */
function ChainCheck() {
  const { t, number, dateTime } = useI18n();
  const [result, setResult] = useState<{ at: string; value: Verification } | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const [busy, setBusy] = useState(false);
  const verify = useCallback(async () => {
    setBusy(true);
    setError(null);
    const r = await call('audit.verify', {});
    setBusy(false);
    if (r.ok) setResult({ at: new Date().toISOString(), value: r.value }); else setError(r.error);
  }, []);
  const v = result?.value;
  return (
    <section className="card chain-check" aria-labelledby="chain-title" data-testid="audit-chain">
      <div className="chain-head">
        <h2 id="chain-title" className="subsection">{t('audit.chain')}</h2>
        <button type="button" className="btn btn-primary" onClick={() => void verify()} disabled={busy}>{busy ? t('audit.verifying') : t('audit.verify')}</button>
      </div>
      {!v && !error && <p className="small muted">{t('audit.chain.hint')}</p>}
      {error && <LoadError error={error} />}
      {v && (
        <div role="status">
          <p data-testid="audit-verdict">
            <Badge tone={v.ok ? 'green' : 'red'}>{v.ok ? t('audit.chain.ok') : t('audit.chain.broken', { n: v.problems.length })}</Badge>
            {' '}<span className="small muted">{t('audit.chain.checkedAt', { at: dateTime(result.at) })}</span>
          </p>
          <dl className="facts facts-2">
            <div><dt>{t('audit.chain.rows')}</dt><dd className="num" data-testid="audit-rows">{number(v.rows)}</dd></div>
            <div><dt>{t('audit.chain.head')}</dt><dd className="mono small hash" data-testid="audit-head">{v.head}</dd></div>
          </dl>
          {v.problems.length > 0 && (
            <ul className="problems">{v.problems.map((p, i) => <li key={i}><code>{p.seq ?? '—'}</code> {p.message}</li>)}</ul>
          )}
        </div>
      )}
    </section>
  );
}
