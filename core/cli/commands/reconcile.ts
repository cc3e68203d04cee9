import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_FAILURE, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { InputFileError, call, openCliDatabase, printJson } from '../io.js';

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'Reconcile a PSP settlement report (CSV) with what Ventil sent and recorded',
  help: `Usage: ventil reconcile REPORT.csv [--db PATH] [--json] [--psp NAME] [--from ISO] [--to ISO]
                        [--fail-on-mismatch]
       ventil reconcile --fetch --from ISO --to ISO [--save REPORT.csv] [--db PATH] [--json]

Reads a settlement report (the columns are in docs/sync.md; Stripe's balance and payout
reconciliation reports fit), matches its captures, fees, transfers, reversals, refunds and
payouts against Ventil's payments, outbox and PSP records, and lists every mismatch per entity:
missing at the PSP, missing in Ventil, different amount, fee, currency or destination, applied
twice, failed at the PSP. The run is stored (sync.reconciliation.list in the back office). A bad
report stores nothing and exits with status 2.

  --psp NAME           whose report it is (default: the configured PSP, sandbox or stripe)
  --from, --to         the period it covers (default: the whole days of its first and last rows)
  --fail-on-mismatch   exit with status 1 when anything does not match
  --fetch              fetch the report from the configured PSP (its balance transactions in
                       [--from, --to)) instead of reading a file; --save keeps a copy`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, psp: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, 'fail-on-mismatch': { type: 'boolean' },
      fetch: { type: 'boolean' }, save: { type: 'string' },
    });
    const toIso = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
      if (Number.isNaN(ms)) throw new UsageError(`--${name} ${JSON.stringify(v)} is not a date or ISO 8601 time`);
      return new Date(ms).toISOString();
    };
    const from = toIso('from', values.from);
    const to = toIso('to', values.to);
    if (values.fetch ? positionals.length !== 0 : positionals.length !== 1) throw new UsageError('reconcile takes exactly one REPORT.csv, or --fetch');
    if (values.fetch && (!from || !to)) throw new UsageError('--fetch needs --from and --to');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      let csv: string;
      let file: string;
      let psp = values.psp;
      if (values.fetch) {
        const { createPspAdapter, loadPspConfig } = await import('../../adapters/registry.js');
        const { settlementCsv } = await import('../../sync/reconcile.js');
        const adapter = await createPspAdapter(db, loadPspConfig());
        csv = settlementCsv(await adapter.settlementReport({ from: from!, to: to! }));
        file = `${adapter.name} settlement report ${from} to ${to}`;
        psp ??= adapter.name;
        if (values.save) writeFileSync(values.save, csv);
      } else {
        file = positionals[0]!;
        try {
          csv = readFileSync(file, 'utf8');
        } catch (e) {
          throw new InputFileError('file_unreadable', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      const r = call(ctx, 'sync.reconciliation.import', { csv, source: file, psp, from, to });
      if (values.json) printJson(r);
      else {
        console.log(`reconciliation #${r.run_id}: ${r.report_rows} report row(s), ${r.period.from} to ${r.period.to}`);
        console.log(`${r.matched} matched, ${r.mismatches} mismatch(es)`);
        const byEntity = new Map<string, typeof r.items>();
        for (const i of r.items) byEntity.set(i.entity ?? '(no entity)', [...(byEntity.get(i.entity ?? '(no entity)') ?? []), i]);
        for (const [entity, items] of [...byEntity].sort(([a], [b]) => a.localeCompare(b))) {
          console.log(`\n${entity}`);
          for (const i of items) console.log(`  ${i.status.padEnd(21)} ${i.category.padEnd(17)} ${i.message}`);
        }
      }
      return values['fail-on-mismatch'] && r.mismatches > 0 ? EXIT_FAILURE : EXIT_OK;
    } finally {
      db.close();
    }
  },
};
