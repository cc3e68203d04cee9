// Each entity's books (`journal.entries`) for a fiscal year or a month, as journal lines with
// their account, debit and credit, totals that must balance, and the exports of the period: the
// FEC (article A47 A-1 LPF, checked by the API before it is returned), a CSV of every line and
// the hledger journal. The API gives each file's bytes; the browser saves them as they are.
import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { call, type ErrorValue } from '../../api';
import { useI18n } from '../../i18n';
import { navigate } from '../../router';
import { useApi } from '../../use-api';
import { useEntities } from '../../entities';
import { DataTable, type Column } from '../../components/DataTable';
import { Badge } from '../../components/Badge';
import { downloadFile } from '../../components/csv';
import { LongTaskBar, useLongTask } from '../../components/LongTask';
import { LoadError, Notice, Page } from '../../components/Page';
import { useReconnect } from '../../connection';

interface Row {
  key: string; entry: number; number: string; journal: string; journal_label: string; date: string; label: string;
  account: string; account_label: string; aux: string | null; debit: number; credit: number; currency: string; order: string | null;
}

const PAGE = 5000;

function bytesOf(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function BooksView() {
  const { t, money, locale } = useI18n();
  const entities = useEntities();
  // The entity and period chosen, else the defaults: the first entity of the user's, and its
  // latest fiscal year's current month (as of when its calendar arrived).
  const [chosenEntity, setEntity] = useState('');
  const [chosenPeriod, setPeriod] = useState('');
  const ids = { entity: useId(), period: useId() };
  const entity = chosenEntity || (entities.mine[0]?.id ?? '');
  const periods = useApi(entity ? 'journal.periods.list' : null, { entity });
  const period = useMemo(() => {
    const years = periods.data?.entity === entity ? periods.data.years : [];
    if (!years.length) return '';
    if (chosenPeriod && years.some((y) => y.name === chosenPeriod || y.months.some((m) => m.name === chosenPeriod))) return chosenPeriod;
    // The latest month with entries (not this month, which may have none yet), else this month.
    const month = (periods.data?.last_entry_date ?? new Date(periods.updatedAt).toISOString()).slice(0, 7);
    const y = years.find((fy) => fy.months.some((m) => m.name === month)) ?? years.at(-1)!;
    return y.months.find((m) => m.name === month)?.name ?? y.name;
  }, [periods.data, periods.updatedAt, entity, chosenPeriod]);

  const task = useLongTask();
  const runTask = task.run;
  const [rows, setRows] = useState<Row[] | null>(null);
  const [error, setError] = useState<ErrorValue | null>(null);
  const [exportError, setExportError] = useState<ErrorValue | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const clearNotice = useCallback(() => setNotice(null), []);

  // A load that failed offline runs again by itself when the API answers.
  const [attempt, setAttempt] = useState(0);
  useReconnect(useMemo(() => (error?.code === 'network' ? () => setAttempt((a) => a + 1) : null), [error]));

  useEffect(() => {
    if (!entity || !period) return;
    void runTask(t('books.loading'), async ({ signal, progress }) => {
      setError(null);
      const out: Row[] = [];
      let offset = 0;
      let total = Infinity;
      while (offset < total) {
        const r = await call('journal.entries', { entity, period, limit: PAGE, offset }, { signal });
        if (!r.ok) { if (r.error.code !== 'aborted') setError(r.error); throw Object.assign(new Error(r.error.message), { error: r.error }); }
        total = r.value.total;
        for (const e of r.value.entries) {
          e.lines.forEach((l, i) => out.push({
            key: `${e.id}:${i}`, entry: e.id, number: e.number, journal: e.journal, journal_label: e.journal_label, date: e.date, label: l.label || e.label,
            account: l.account, account_label: l.account_label, aux: l.aux_label ?? l.aux, debit: l.debit, credit: l.credit, currency: e.currency, order: e.order,
          }));
        }
        offset += r.value.entries.length;
        progress(offset, total);
        if (r.value.entries.length === 0) break;
      }
      return out;
    }).then((r) => { if (r) setRows(r); });
  }, [entity, period, runTask, t, attempt]);

  const columns = useMemo<Column<Row>[]>(() => [
    { id: 'number', header: t('books.number'), kind: 'code', value: (r) => r.number, width: 130, grow: 0 },
    { id: 'date', header: t('books.date'), kind: 'date', value: (r) => r.date, width: 112, grow: 0 },
    { id: 'journal', header: t('books.journal'), value: (r) => r.journal, text: (r) => `${r.journal} · ${r.journal_label}`, width: 110, grow: 0 },
    { id: 'account', header: t('books.account'), kind: 'code', value: (r) => r.account, width: 84, grow: 0 },
    { id: 'account_label', header: t('books.accountLabel'), value: (r) => r.account_label, width: 150, grow: 1 },
    { id: 'aux', header: t('books.aux'), value: (r) => r.aux, width: 100, grow: 0 },
    { id: 'label', header: t('books.label'), value: (r) => r.label, width: 170, grow: 2 },
    { id: 'debit', header: t('books.debit'), kind: 'money', value: (r) => (r.debit ? r.debit : null), currency: (r) => r.currency, width: 105, grow: 0 },
    { id: 'credit', header: t('books.credit'), kind: 'money', value: (r) => (r.credit ? r.credit : null), currency: (r) => r.currency, width: 105, grow: 0 },
  ], [t]);

  const totals = useMemo(() => {
    const m = new Map<string, { debit: number; credit: number; entries: Set<number> }>();
    for (const r of rows ?? []) {
      const x = m.get(r.currency) ?? { debit: 0, credit: 0, entries: new Set<number>() };
      x.debit += r.debit; x.credit += r.credit; x.entries.add(r.entry);
      m.set(r.currency, x);
    }
    return [...m.entries()];
  }, [rows]);

  const exportFile = async (format: 'fec' | 'csv' | 'ledger') => {
    setExportError(null);
    const r = await call(`exports.${format}`, { entity, period });
    if (!r.ok) { setExportError(r.error); return; }
    downloadFile(r.value.name, [bytesOf(r.value.base64) as BlobPart], r.value.mime);
    setNotice(t('books.exported', { name: r.value.name, entries: r.value.entries, lines: r.value.lines }));
  };

  const monthName = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const periodOptions = (periods.data?.years ?? []).slice().reverse().flatMap((y) => [
    { value: y.name, label: `${t('books.fiscalYear', { year: y.name })}${y.closed ? ` — ${t('books.closed')}` : ''}` },
    ...y.months.slice().reverse().map((m) => ({
      value: m.name, label: `\u2003${monthName.format(new Date(`${m.start}T00:00:00Z`))}${m.closed ? ` — ${t('books.closed')}` : ''}`,
    })),
  ]);

  return (
    <Page title={t('books.title')} subtitle={t('books.subtitle')} testId="view-books">
      <Notice text={notice} onDone={clearNotice} />
      <div className="filters card" role="search" aria-label={t('orders.filters')}>
        <div className="filter">
          <label htmlFor={ids.entity}>{t('orders.entity')}</label>
          <select id={ids.entity} value={entity} onChange={(e) => { setEntity(e.target.value); setPeriod(''); setRows(null); }}>
            {entities.mine.map((e) => <option key={e.id} value={e.id}>{e.name} ({e.id})</option>)}
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.period}>{t('books.period')}</label>
          <select id={ids.period} value={period} onChange={(e) => setPeriod(e.target.value)}>
            {periodOptions.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
          </select>
        </div>
        <div className="push-right export-buttons" role="group" aria-label={t('books.exports')}>
          <button type="button" className="btn" onClick={() => void exportFile('fec')} disabled={!period}>{t('books.exportFec')}</button>
          <button type="button" className="btn" onClick={() => void exportFile('csv')} disabled={!period}>{t('books.exportCsv')}</button>
          <button type="button" className="btn" onClick={() => void exportFile('ledger')} disabled={!period}>{t('books.exportLedger')}</button>
        </div>
      </div>
      {(error ?? periods.error) && <LoadError error={(error ?? periods.error)!} />}
      {exportError && (
        <div className="alert alert-error" role="alert" data-testid="export-error">
          <div>
            <strong>{t('books.exportRefused')}</strong> {exportError.issues?.length ? exportError.issues.map((i) => i.message).join(' ; ') : exportError.message}
          </div>
        </div>
      )}
      <LongTaskBar task={task} />
      {totals.map(([currency, x]) => (
        <div className="books-totals card" key={currency} data-testid="books-totals">
          <span>{t('books.entries', { n: x.entries.size })}</span>
          <span>{t('books.debit')} <strong className="num">{money(x.debit, currency)}</strong></span>
          <span>{t('books.credit')} <strong className="num">{money(x.credit, currency)}</strong></span>
          {x.debit === x.credit ? <Badge tone="green">{t('books.balanced')}</Badge> : <Badge tone="red">{t('books.unbalanced', { diff: money(x.debit - x.credit, currency) })}</Badge>}
        </div>
      ))}
      <DataTable
        rows={rows ?? []} columns={columns} rowKey={(r) => r.key} label={t('books.title')} loading={rows === null}
        onRowClick={(r) => { if (r.order) navigate(`/orders/${encodeURIComponent(r.order)}`); }}
        exportName={`ecritures-${entity}-${period}`} testId="books-table" maxHeight="calc(100vh - 340px)"
      />
    </Page>
  );
}
