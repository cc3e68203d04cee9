import type { Command } from '../command.js';
import { DB_OPTION, EXIT_OK, HELP_OPTION, JSON_OPTION, UsageError, parseOptions } from '../command.js';
import { CliFailure, call, printJson } from '../io.js';
import { KEY_FILE_OPTION, openKeyedDatabase, readSecret } from '../keyed-db.js';
import type { ApiOutput } from '../../api/index.js';

export const usersCommand: Command = {
  name: 'users',
  summary: 'List users, create one, reset a password or clear a login\'s sign-in throttle (as the machine\'s operator)',
  help: `Usage: ventil users list [--db PATH] [--key-file PATH] [--json]
       ventil users create --login L --name N --role R [--region X]... [--entity E]... [--db PATH]
       ventil users reset-password --login L [--db PATH]
       ventil users unlock --login L [--db PATH]

Runs the users.* API operations as the operator of this machine (head-office administrator
rights): the way back in when the only administrator forgot their password. Passwords are read
from VENTIL_PASSWORD, else from the first line of standard input, never from the command line.
Roles: admin, finance, controller (--region), store_manager (--entity), auditor. A created or
reset user must choose a new password at first sign-in. \`unlock\` forgets the failed sign-ins of
the login, so its next attempt is checked at once (docs/security.md: there is no lockout, only
growing waits of at most 30 s); \`list\` shows the logins that are throttled now.`,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      ...DB_OPTION, ...JSON_OPTION, ...HELP_OPTION, ...KEY_FILE_OPTION,
      login: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' },
      region: { type: 'string', multiple: true }, entity: { type: 'string', multiple: true },
    });
    const [action] = positionals;
    if (positionals.length !== 1 || !['list', 'create', 'reset-password', 'unlock'].includes(action!)) {
      throw new UsageError('users takes one of: list, create, reset-password, unlock');
    }
    if (action !== 'list' && !values.login) throw new UsageError(`users ${action} needs --login`);
    const password = action === 'create' || action === 'reset-password' ? await readSecret('VENTIL_PASSWORD') : '';
    const { db, ctx } = openKeyedDatabase(values.db, values['key-file']);
    try {
      const find = () => {
        const user = call(ctx, 'users.list', {}).find((u) => u.login.toLowerCase() === values.login!.toLowerCase());
        if (!user) throw new CliFailure({ code: 'not_found', message: `no user with the login ${JSON.stringify(values.login)}` });
        return user;
      };
      let result: unknown;
      if (action === 'list') result = { users: call(ctx, 'users.list', {}), throttles: call(ctx, 'users.throttles', {}) };
      else if (action === 'create') {
        result = { user: call(ctx, 'users.create', {
          login: values.login, name: values.name ?? values.login, role: values.role, regions: values.region ?? [], entities: values.entity ?? [], password,
        }) };
      } else if (action === 'reset-password') result = call(ctx, 'users.resetPassword', { id: find().id, password });
      else result = { user: call(ctx, 'users.update', { id: find().id, unlock: true }) };
      if (values.json) printJson(result);
      else if (action === 'list') {
        const listed = result as { users: ApiOutput<'users.list'>; throttles: ApiOutput<'users.throttles'> };
        const waits = new Map(listed.throttles.filter((t) => t.kind === 'login' && t.next_attempt_at).map((t) => [t.key, t.next_attempt_at]));
        for (const u of listed.users) {
          const scope = u.role === 'controller' ? u.regions.join(' ') : u.role === 'store_manager' ? u.entities.join(' ') : 'network';
          const wait = waits.get(u.login.toLowerCase());
          console.log(`${u.login.padEnd(20)} ${u.role.padEnd(14)} ${scope.padEnd(20)} ${u.disabled ? 'disabled' : wait ? `sign-ins wait until ${wait}` : 'active'}  ${u.name}`);
        }
      } else console.log(`${action === 'create' ? 'created' : action === 'unlock' ? 'cleared the sign-in throttle of' : 'reset the password of'} ${values.login}`);
      return EXIT_OK;
    } finally {
      db.close();
    }
  },
};
