// The replication operations (docs/decisions/0009-network-replication.md): a device exchanges
// its one-time code for its own secret (replication.enroll), pulls the changes of its scope
// page by page (replication.pull), and pushes the decisions taken on it (replication.push).
// Only a device's credential reaches the last two, and it reaches nothing else (callApi).
// replica.status is what a replica's screens show about its sync.
import { z } from 'zod';
import { noteActivity } from '../replication/activity.js';
import { PushSchema } from '../replication/commands.js';
import { decodeCursor } from '../replication/cursor.js';
import { redeemCode } from '../replication/devices.js';
import { servePull } from '../replication/hub.js';
import { applyPush } from '../replication/push.js';
import { parseScope } from '../replication/scope.js';
import { replicaStatus } from '../replication/status.js';
import { ALL_ROLES, defineHandler, type ApiContext } from './handler.js';
import type { Role } from './principal.js';
import type { Handler } from './handler.js';
import type { CallApi } from '../replication/push.js';

/**
 * The handler table and callApi, which a push runs its commands through. index.ts hands them
 * over once it has built the table (this module is part of it, so it cannot import them).
 */
let api: { callApi: CallApi; handlers: Readonly<Record<string, Handler>> } | null = null;
export function bindApi(a: NonNullable<typeof api>): void { api = a; }

/** The roles a device's principal takes (core/replication/devices.ts devicePrincipal). */
const DEVICE_ROLES: readonly Role[] = ['finance', 'controller', 'store_manager'];

const deviceOf = (ctx: ApiContext) => {
  const d = ctx.principal.device!;
  return { id: d.id, scope: parseScope(d.scope)! };
};

export const replicationHandlers = {
  'replication.enroll': defineHandler({
    summary: 'Exchange a one-time enrolment code for the device\'s own credential (`ventil join`); single use, 24 hours',
    input: z.object({ code: z.string().min(1).max(64), schema: z.string().min(1).max(200), name: z.string().trim().min(1).max(100).optional() }).strict(),
    // A device, not a user: no role calls it (public, so callApi checks none).
    roles: [],
    mutates: true,
    public: true,
    open: true,
    run: (ctx, input) => {
      const r = redeemCode(ctx.db, input, ctx.now());
      ctx.audit({ actor: { id: `device:${r.device.id}`, name: r.device.name, role: 'device' }, after: r.device });
      return r;
    },
  }),

  'replication.pull': defineHandler({
    summary: 'The next page of changes of the device\'s scope after its cursor (each document whole, or its removal)',
    input: z.object({ cursor: z.string().max(200), schema: z.string().min(1).max(200), limit: z.number().int().min(1).max(1000).optional() }).strict(),
    roles: DEVICE_ROLES,
    mutates: false,
    device: true,
    run: (ctx, input) => {
      const device = deviceOf(ctx);
      const page = servePull(ctx.db, device, input, ctx.now());
      noteActivity(ctx.db, device.id, { at: page.at, seq: decodeCursor(page.from)?.seq ?? 0 });
      return page;
    },
  }),

  'replication.push': defineHandler({
    summary: 'Decisions taken on the device, applied once each as their users; answers come back with the pulls',
    input: PushSchema,
    roles: DEVICE_ROLES,
    mutates: true,
    device: true,
    run: (ctx, input) => {
      const { callApi, handlers } = api!;
      return applyPush(ctx, input, callApi, (op) => {
        const h = Object.hasOwn(handlers, op) ? handlers[op] : undefined;
        return h?.replica ? { roles: h.roles } : null;
      });
    },
  }),

  'replica.status': defineHandler({
    summary: 'This installation\'s sync with its hub: online or offline since when, data as of when, decisions pending or refused',
    input: z.object({}).strict(),
    roles: ALL_ROLES,
    mutates: false,
    run: (ctx) => replicaStatus(ctx),
  }),
};
