// The first start of a new database (docs/deployment.md): join a network with the code IT gave
// (the device becomes a replica; the join itself runs in the background of the desktop app or
// `ventil serve`, core/replication/background.ts), or open the demo. The third choice, being a
// head office's hub, is auth.setup: the first administrator. All three answer only while the
// database is empty.
import { z } from 'zod';
import { seedDemo } from '../demo/seed.js';
import { ensureDemoUsers } from '../demo/users.js';
import { checkJoin } from '../replication/sync.js';
import { deleteReplicaState, insertReplicaState, isEmptyDatabase, readReplicaState, updateReplicaState } from '../store/replica-repo.js';
import { createContext } from './context.js';
import { ApiError } from './errors.js';
import { defineHandler, type ApiContext } from './handler.js';

/** Only a new, empty database that is nobody's replica yet offers the first-start choices. */
function assertFirstStart(ctx: ApiContext): void {
  if (ctx.installation.kind === 'replica') throw new ApiError('already_joined', `this database is a replica of ${ctx.installation.hubUrl}`);
  if (ctx.demo || !isEmptyDatabase(ctx.db)) throw new ApiError('not_empty', 'this database already holds a network: the first-start choices are for a new one');
}

export const setupHandlers = {
  'setup.join': defineHandler({
    summary: 'First start: join a network with the hub\'s address and the one-time code IT gave; the device then syncs in the background',
    input: z.object({
      url: z.string().trim().min(1).max(300),
      code: z.string().trim().min(1).max(64),
      /** The PEM of the CA that signed the hub's certificate, when it is a private one. */
      ca: z.string().max(20_000).optional(),
    }).strict(),
    // Before any user exists: public (callApi checks no role).
    roles: [],
    mutates: true,
    public: true,
    run: (ctx, input) => {
      assertFirstStart(ctx);
      const { url, code } = checkJoin(ctx.db, input);
      const row = { status: 'joining' as const, hub_url: url, ca_pem: input.ca ?? null, join_code: code, last_error_code: null, last_error: null };
      if (readReplicaState(ctx.db)) updateReplicaState(ctx.db, row);
      else {
        insertReplicaState(ctx.db, {
          ...row, device_id: null, device_name: null, scope: null, created_at: ctx.now().toISOString(), joined_at: null, data_as_of: null,
          last_contact_at: null, offline_since: null, revoked_at: null,
        });
      }
      return { joining: true, hub_url: url };
    },
  }),

  'setup.demo': defineHandler({
    summary: 'First start: fill this new database with the demo network (invented data, one account per role)',
    input: z.object({}).strict(),
    roles: [],
    mutates: true,
    public: true,
    run: (ctx) => {
      assertFirstStart(ctx);
      // A join asked for and abandoned (it failed) leaves its row: the demo replaces it.
      if (readReplicaState(ctx.db)) deleteReplicaState(ctx.db);
      const operator = createContext(ctx.db, { now: ctx.now });
      seedDemo(operator);
      ensureDemoUsers(ctx.db, ctx.now());
      return { demo: true };
    },
  }),
};
