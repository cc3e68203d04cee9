import type { Command } from '../command.js';
import { EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { settle, settlementJsonChunks } from '../../domain/settle.js';
import { validateScenario } from '../../domain/scenario.js';
import { formatSettlementText } from '../../domain/report-text.js';
import { CliFailure, readJsonFile } from '../io.js';

export const settleCommand: Command = {
  name: 'settle',
  summary: 'Settle a scenario file and print the ventil.settlement/1 report (stores nothing)',
  help: `Usage: ventil settle SCENARIO.json [--as-of ISO-TIME] [--json]

Runs the settlement engine on a scenario file as of the given time (default: the latest of
the orders' created_at, the payments' captured_at and the events' at) and prints the report:
tables per order and per entity, or with --json the ventil.settlement/1 document. Nothing is
stored. Bad input exits with status 2 and every problem named with its JSON path.`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, { 'as-of': { type: 'string' }, ...JSON_OPTION, ...HELP_OPTION });
    if (positionals.length !== 1) throw new UsageError('settle takes exactly one SCENARIO file');
    const asOf = values['as-of'];
    if (asOf !== undefined && (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/.test(asOf) || Number.isNaN(Date.parse(asOf)))) {
      throw new CliFailure({ code: 'invalid_input', message: `--as-of ${JSON.stringify(asOf)} is not an ISO 8601 UTC time such as 2026-03-20T00:00:00Z`, issues: [{ path: '--as-of', code: 'invalid_time', message: 'not an ISO 8601 UTC time' }] });
    }
    const checked = validateScenario(readJsonFile(positionals[0]!));
    if (!checked.ok) {
      throw new CliFailure({ code: 'invalid_scenario', message: `the scenario has ${checked.issues.length} problem(s)`, issues: checked.issues });
    }
    const report = settle(checked.scenario, asOf && asOf.length === 10 ? `${asOf}T00:00:00Z` : asOf);
    if (!values.json) process.stdout.write(formatSettlementText(report));
    else for (const chunk of settlementJsonChunks(report)) process.stdout.write(chunk); // large reports never sit in one string
    return EXIT_OK;
  },
};
