// Invoices and statements (head office; a store or a controller sees those of its entities): the
// periodic commission, royalty and logistics invoices and credit notes between entities, with
// their sending; one opens with its lines, and downloads as a printable HTML document (print it
// to PDF, as the payout statement), with its annex of orders as CSV. An entity's statement for a
// month gathers every line it earned or paid. Documents are made by the API (core/domain/
// invoice-doc.ts), the same as `ventil invoices`.
import { useCallback, useId, useMemo, useState } from 'react';
import type { ErrorValue, Input, Output } from '../../api';
import { call } from '../../api';
import { useI18n } from '../../i18n';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { formatRate } from '../../format/rates';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { downloadFile } from '../../components/csv';
import { Drawer, LoadError, Notice, Page } from '../../components/Page';
import { EntityFilter } from '../../components/EntityFilter';

type Invoice = Output<'invoices.list'>['rows'][number];

/** The last `n` months before today, newest first ("2026-11"). */
function recentMonths(n: number, today = new Date()): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - i, 1));
    out.push(d.toISOString().slice(0, 7));
  }
  return out;
}

export function InvoicesView() {
  const { t, day } = useI18n();
  const entities = useEntities();
  const ids = { period: useId(), kind: useId(), unsent: useId() };
  const [entity, setEntity] = useState('');
  const [period, setPeriod] = useState('');
  const [kind, setKind] = useState<'' | 'invoice' | 'credit_note'>('');
  const [unsent, setUnsent] = useState(false);
  const input: Input<'invoices.list'> = { limit: 5000, ...(entity ? { entity } : {}), ...(period ? { period } : {}), ...(kind ? { kind } : {}), ...(unsent ? { unsent } : {}) };
  const list = useApi('invoices.list', input);
  const [selected, setSelected] = useState<number | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);
  const [error, setError] = useState<ErrorValue | null>(null);
  const rows = useMemo(() => list.data?.rows ?? [], [list.data]);
  const current = rows.find((r) => r.id === selected) ?? null;
  const months = useMemo(() => recentMonths(24), []);

  const columns = useMemo<Column<Invoice>[]>(() => [
    { id: 'number', header: t('invoices.number'), kind: 'code', value: (r) => r.number, width: 170, grow: 1 },
    {
      id: 'kind', header: t('invoices.kind'), kind: 'status', value: (r) => r.kind,
      status: (r) => (r.kind === 'invoice' ? { label: t('invoices.kind.invoice'), tone: 'blue' } : { label: t('invoices.kind.credit_note'), tone: 'amber' }), width: 100, grow: 0,
    },
    { id: 'supplier', header: t('invoices.supplier'), value: (r) => r.supplier, text: (r) => entities.name(r.supplier), search: (r) => r.supplier, width: 160, grow: 1 },
    { id: 'customer', header: t('invoices.customer'), value: (r) => r.customer, text: (r) => entities.name(r.customer), search: (r) => r.customer, width: 160, grow: 1 },
    { id: 'period', header: t('invoices.period'), kind: 'code', value: (r) => r.period ?? '', width: 90, grow: 0 },
    { id: 'issue_date', header: t('invoices.issued'), kind: 'date', value: (r) => r.issue_date, width: 110, grow: 0 },
    { id: 'net', header: t('invoices.net'), kind: 'money', value: (r) => r.net, currency: (r) => r.currency, width: 110, grow: 0 },
    { id: 'total', header: t('invoices.total'), kind: 'money', value: (r) => r.total, currency: (r) => r.currency, width: 110, grow: 0 },
    {
      id: 'sent', header: t('invoices.sent'), kind: 'status', value: (r) => r.sent_at ?? '',
      status: (r) => (r.sent_at ? { label: t('invoices.sentOn', { date: day(r.sent_at.slice(0, 10)) }), tone: 'green' } : { label: t('invoices.unsent'), tone: 'amber' }), width: 140, grow: 0,
    },
  ], [t, day, entities]);

  const statement = async () => {
    setError(null);
    const r = await call('invoices.statement', { entity, period });
    if (!r.ok) { setError(r.error); return; }
    downloadFile(r.value.name, [r.value.html], r.value.mime);
    setNotice(t('invoices.statementDone', { name: r.value.name }));
  };

  return (
    <Page title={t('invoices.title')} subtitle={t('invoices.subtitle')} testId="view-invoices">
      <Notice text={notice} onDone={clearNotice} />
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <EntityFilter value={entity} onChange={setEntity} all />
        <div className="filter">
          <label htmlFor={ids.period}>{t('invoices.period')}</label>
          <select id={ids.period} value={period} onChange={(e) => setPeriod(e.target.value)}>
            <option value="">{t('orders.all')}</option>
            {months.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.kind}>{t('invoices.kind')}</label>
          <select id={ids.kind} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="">{t('orders.all')}</option>
            <option value="invoice">{t('invoices.kind.invoices')}</option>
            <option value="credit_note">{t('invoices.kind.credit_notes')}</option>
          </select>
        </div>
        <div className="filter filter-check">
          <input id={ids.unsent} type="checkbox" checked={unsent} onChange={(e) => setUnsent(e.target.checked)} />
          <label htmlFor={ids.unsent}>{t('invoices.unsentOnly')}</label>
        </div>
        {entity && period && <button type="button" className="btn push-right" onClick={() => void statement()}>{t('invoices.statement')}</button>}
        {(!entity || !period) && <span className="filter-note small muted push-right">{t('invoices.statementHint')}</span>}
      </div>
      {(list.error ?? error) && <LoadError error={(list.error ?? error)!} onRetry={list.reload} />}
      {list.data && <p className="small muted" data-testid="invoices-total">{t('invoices.count', { n: list.data.total })}</p>}
      <div className={`split${current ? ' with-drawer' : ''}`}>
        <DataTable
          rows={rows} columns={columns} rowKey={(r) => String(r.id)} label={t('invoices.title')} loading={list.loading}
          onRowClick={(r) => setSelected(r.id)} selectedKey={current ? String(current.id) : null}
          initialSort={{ column: 'issue_date', dir: 'desc' }} exportName="factures" testId="invoices-table" maxHeight="calc(100vh - 400px)"
        />
        {current && (
          <Drawer title={t(current.kind === 'invoice' ? 'invoices.invoiceNo' : 'invoices.creditNoteNo', { number: current.number })} onClose={() => setSelected(null)} testId="invoice-drawer">
            <InvoicePanel key={current.id} invoice={current} />
          </Drawer>
        )}
      </div>
    </Page>
  );
}

function InvoicePanel({ invoice }: { invoice: Invoice }) {
  const { t, money, day, locale } = useI18n();
  const entities = useEntities();
  const doc = useApi('invoices.document', { id: invoice.id });
  const [error, setError] = useState<ErrorValue | null>(null);
  const annex = async () => {
    setError(null);
    const r = await call('invoices.annex', { id: invoice.id });
    if (r.ok) downloadFile(r.value.name, [r.value.csv], r.value.mime); else setError(r.error);
  };
  const html = () => { if (doc.data) downloadFile(doc.data.name, [doc.data.html], doc.data.mime); };
  const c = invoice.currency;
  return (
    <div>
      <dl className="facts facts-2">
        <div><dt>{t('invoices.supplier')}</dt><dd>{entities.name(invoice.supplier)}</dd></div>
        <div><dt>{t('invoices.customer')}</dt><dd>{entities.name(invoice.customer)}</dd></div>
        <div><dt>{t('invoices.issued')}</dt><dd>{day(invoice.issue_date)}</dd></div>
        <div><dt>{t('invoices.period')}</dt><dd>{invoice.period ?? '—'}</dd></div>
        <div><dt>{t('invoices.net')}</dt><dd className="num">{money(invoice.net, c)}</dd></div>
        <div><dt>{t('invoices.vat')}</dt><dd className="num">{money(invoice.vat, c)}</dd></div>
        <div><dt>{t('invoices.total')}</dt><dd className="num">{money(invoice.total, c)}</dd></div>
        <div><dt>{t('invoices.sent')}</dt><dd>{invoice.sent_at ? day(invoice.sent_at.slice(0, 10)) : <Badge tone="amber">{t('invoices.unsent')}</Badge>}</dd></div>
      </dl>
      {invoice.self_billed && <p className="small"><Badge tone="violet">{t('invoices.selfBilled')}</Badge></p>}
      {doc.error && <LoadError error={doc.error} onRetry={doc.reload} />}
      {doc.data && (
        <table className="data compact" aria-label={t('invoices.lines')} data-testid="invoice-lines">
          <thead><tr><th scope="col">{t('invoices.line')}</th><th scope="col" className="num">{t('invoices.base')}</th><th scope="col" className="num">{t('invoices.rate')}</th><th scope="col" className="num">{t('invoices.net')}</th></tr></thead>
          <tbody>
            {doc.data.doc.lines.map((l, i) => (
              <tr key={i}><td>{l.description}</td><td className="num">{money(l.base, c)}</td><td className="num">{formatRate(l.rate, locale)}</td><td className="num">{money(l.net, c)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <LoadError error={error} />}
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={html} disabled={!doc.data}>{t('invoices.downloadHtml')}</button>
        <button type="button" className="btn" onClick={() => void annex()}>{t('invoices.annex')}</button>
      </div>
      <p className="small muted">{t('invoices.printHint')}</p>
    </div>
  );
}
