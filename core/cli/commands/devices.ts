import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { call, openCliDatabase, printJson } from '../io.js';

export const devicesCommand: Command = {
  name: 'devices',
  summary: 'Enrol, list, revoke or rescope the replicas of this hub (store PCs, regional laptops)',
  help: `Usage: ventil devices enroll --scope SCOPE --name NAME [--db HUB] [--json]
       ventil devices list [--db HUB] [--json]
       ventil devices revoke DEVICE [--reason TEXT] [--db HUB] [--json]
       ventil devices rescope DEVICE --scope SCOPE [--db HUB] [--json]

On the hub's database. SCOPE is entity:ID (a store PC), region:NAME (a regional controller's
laptop) or network. "enroll" prints a one-time code, valid 24 hours and for one device only:
on the device, run "ventil join https://HUB:PORT --code CODE" (or enter it on the desktop
app's first screen). With --json it prints an object whose "code" field is the code.
"revoke" refuses the device at its next sync: it keeps its data, read-only, and says so on
every screen. "rescope" changes what a device holds at its next sync (docs/deployment.md).`,
  run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, scope: { type: 'string' }, name: { type: 'string' }, reason: { type: 'string' },
    });
    const [action, device] = positionals;
    const json = values.json === true;
    if (!['enroll', 'list', 'revoke', 'rescope'].includes(action ?? '')) throw new UsageError('devices takes one of: enroll, list, revoke, rescope');
    if (action === 'enroll' && (!values.scope || !values.name)) throw new UsageError('devices enroll needs --scope and --name');
    if ((action === 'revoke' || action === 'rescope') && (positionals.length !== 2 || !device)) throw new UsageError(`devices ${action} takes the device id`);
    if (action === 'rescope' && !values.scope) throw new UsageError('devices rescope needs --scope');
    const { db, ctx } = openCliDatabase(values.db);
    try {
      if (action === 'enroll') {
        const r = call(ctx, 'devices.enroll', { scope: values.scope, name: values.name });
        if (json) printJson(r);
        else {
          console.log(`enrolment code for ${r.device.name} (${r.device.scope}), device ${r.device.id}:`);
          console.log(`  ${r.code}`);
          console.log(`valid once, until ${r.expires_at}. On the device: ventil join https://HUB:PORT --code ${r.code}`);
        }
      } else if (action === 'list') {
        const r = call(ctx, 'devices.list', {});
        if (json) printJson(r);
        else {
          if (r.devices.length === 0) console.log('no device: enrol one with ventil devices enroll --scope SCOPE --name NAME');
          for (const d of r.devices) {
            const seen = d.last_seen_at ? `last sync ${d.last_seen_at}${d.behind ? `, ${d.behind} change(s) behind` : ''}` : 'never synced';
            console.log(`${d.id}  ${d.status.padEnd(7)}  ${d.scope.padEnd(20)}  ${d.name}  (${d.status === 'pending' ? `code valid until ${d.code_expires_at}` : seen})`);
          }
        }
      } else {
        const r = action === 'revoke'
          ? call(ctx, 'devices.revoke', { device, ...(values.reason ? { reason: values.reason } : {}) })
          : call(ctx, 'devices.rescope', { device, scope: values.scope });
        if (json) printJson({ device: r });
        else console.log(action === 'revoke' ? `revoked ${r.id} (${r.name}): refused from its next sync` : `${r.id} (${r.name}) now holds ${r.scope} from its next sync`);
      }
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
