import { existsSync } from 'node:fs';
import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, CliFailure, openCliDatabase, printJson } from '../io.js';
import { replicaDecision } from '../../replication/policy.js';
import { resolveDbPath } from '../paths.js';
import { formatMinor } from '../../domain/money.js';

export const releaseCommand: Command = {
  name: 'release',
  summary: 'Release escrow as of a time: one transfer per entity and currency, queued for the PSP',
  help: `Usage: ventil release --as-of T [--db PATH] [--json] [--dry-run]
       ventil release --balances [--at T] [--db PATH] [--json]

Computes what became releasable as of T (ISO 8601 UTC, at most now and not before the last run):
for each entity and currency, its shares released by T (line shares after delivery or collection
plus the return window, PSP fee shares at capture) less what earlier runs paid it. Writes the
run, one transfer per entity and currency (the platform's own share as a withdrawal), what each
pays line by line, and one outbox call per transfer, in one transaction. Idempotency keys are
derived from what each transfer pays; running the same release again releases nothing.
A return after release is netted against the entity's next transfers, or reversed, as the
network's after_release_recovery says. --dry-run prints the run without writing it.

--balances prints, per entity and currency, what is held, released, transferred, and unpaid
(due at the next run, or owed to the network when negative).`,
  run(argv) {
    const { values } = parseOptions(argv, {
      'as-of': { type: 'string' }, 'dry-run': { type: 'boolean' }, balances: { type: 'boolean' }, at: { type: 'string' },
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION,
    }, false);
    if (!values.balances && values['as-of'] === undefined) {
      // On a replica the answer is where releases run, whatever the options (a database that
      // does not exist is not created for a usage error).
      if (existsSync(resolveDbPath(values.db))) {
        const { db, ctx } = openCliDatabase(values.db);
        const where = replicaDecision(ctx.installation, 'release.run', true, false);
        db.close();
        if (where.kind === 'refuse') throw new CliFailure({ code: where.error.code, message: where.error.message });
      }
      throw new UsageError('release needs --as-of T (or --balances)');
    }
    const { db, ctx } = openCliDatabase(values.db);
    try {
      if (values.balances) {
        const r = call(ctx, 'release.balances', values.at ? { at: values.at } : {});
        if (values.json) printJson(r);
        else {
          console.log(`balances at ${r.at}`);
          console.log(`  ${'entity'.padEnd(12)} cur ${'held'.padStart(12)} ${'released'.padStart(12)} ${'transferred'.padStart(12)} ${'unpaid'.padStart(12)}`);
          for (const b of r.balances) {
            const f = (n: number) => formatMinor(n, b.currency).padStart(12);
            console.log(`  ${b.entity.padEnd(12)} ${b.currency} ${f(b.held)} ${f(b.released)} ${f(b.transferred)} ${f(b.unpaid)}`);
          }
        }
        return EXIT_OK;
      }
      const op = values['dry-run'] ? 'release.preview' : 'release.run';
      const r = call(ctx, op, { as_of: values['as-of'] });
      if (values.json) printJson(r);
      else {
        if (r.run === null) console.log(`nothing to release as of ${r.as_of}`);
        else console.log(`${r.dry_run ? 'would write' : 'wrote'} release run ${r.run.id} as of ${r.as_of}: ${r.run.transfer_count} transfer(s) (${r.recovery} recovery)`);
        for (const t of r.transfers) {
          console.log(`  ${t.kind.padEnd(10)} ${t.entity.padEnd(12)} ${formatMinor(t.amount, t.currency).padStart(12)} ${t.currency}  ${t.idempotency_key}`);
        }
        for (const c of r.carried) console.log(`  carried    ${c.entity.padEnd(12)} ${formatMinor(c.amount, c.currency).padStart(12)} ${c.currency}  (${c.reason.replace(/_/g, ' ')})`);
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
