import { writeFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_FAILURE, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, printJson } from '../io.js';
import { KEY_FILE_OPTION, openKeyedDatabase } from '../keyed-db.js';
import { verifyAuditLog } from '../../store/audit-repo.js';
import { AuditHead } from '../../api/audit.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Verify the audit trail\'s hash chain, list or export it',
  help: `Usage: ventil audit verify [--expect HASH] [--db PATH] [--key-file PATH] [--json]
       ventil audit list   [--db PATH] [--key-file PATH] [--limit N] [--json]
       ventil audit export [--db PATH] [--key-file PATH] [--out FILE]

verify  recomputes every row's hash (sha256 of the previous hash and the row's content) and
        checks the rows follow each other and the append-only triggers are in place. Prints
        the number of rows and the head hash: keep it elsewhere (it also goes with every ERP
        batch), since deleting the newest rows leaves a shorter valid chain. --expect HASH
        checks that a head kept earlier is still in the chain. Exits 1 and names each altered
        row, or the missing anchor, if anything changed.
list    prints the newest rows (default 50).
export  writes every row as CSV to FILE (default: standard output).
The key of an encrypted database comes from --key-file, VENTIL_DB_KEY or VENTIL_DB_KEY_FILE.`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, ...KEY_FILE_OPTION, limit: { type: 'string' }, out: { type: 'string' }, expect: { type: 'string' },
    });
    const [action] = positionals;
    if (positionals.length !== 1 || !['verify', 'list', 'export'].includes(action!)) throw new UsageError('audit takes one of: verify, list, export');
    if (values.expect !== undefined && (action !== 'verify' || !AuditHead.safeParse(values.expect).success)) {
      throw new UsageError('--expect goes with verify, and is a head hash: 64 lower-case hexadecimal digits');
    }
    const { db, ctx, path } = openKeyedDatabase(values.db, values['key-file']);
    try {
      if (action === 'verify') {
        const report = verifyAuditLog(db, { expect: values.expect });
        if (values.json) process.stdout.write(`${JSON.stringify({ ok: report.ok, database: path, rows: report.rows, head: report.head, anchor: report.anchor, problems: report.problems }, null, 2)}\n`);
        else if (report.ok) {
          console.log(`audit trail of ${path} is intact: ${report.rows} row(s), head ${report.head}`);
          if (report.anchor) console.log(`the anchor ${report.anchor.head} is row ${report.anchor.row} of the chain`);
        }
        else {
          console.error(`ventil: the audit trail of ${path} was tampered with (${report.problems.length} problem(s)):`);
          for (const p of report.problems) console.error(`  ${p.seq === null ? 'table' : `row ${p.seq}`}: ${p.message} [${p.code}]`);
        }
        return report.ok ? EXIT_OK : EXIT_FAILURE;
      }
      if (action === 'list') {
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError('--limit is a number from 1 to 500');
        const result = call(ctx, 'audit.list', { limit });
        if (values.json) printJson(result);
        else for (const r of result.rows) console.log(`${String(r.seq).padStart(6)}  ${r.at}  ${r.operation.padEnd(28)} ${r.outcome.padEnd(20)} ${r.actor.name} (${r.actor.id})${r.entities.length ? `  [${r.entities.join(' ')}]` : ''}`);
        return EXIT_OK;
      }
      const out = call(ctx, 'audit.export', {});
      if (values.out) {
        writeFileSync(values.out, out.csv);
        console.error(`wrote ${out.rows} row(s) to ${values.out}${out.truncated ? ' (truncated)' : ''}`);
      } else process.stdout.write(out.csv);
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
