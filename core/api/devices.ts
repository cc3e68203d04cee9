// Devices over the API (head office): enrol a replica of a scope (a one-time code, valid 24
// hours), list them with how far each has synced, revoke one, change one's scope.
// core/replication/devices.ts holds the logic; docs/deployment.md how IT uses it.
import { z } from 'zod';
import { enrolDevice, deviceView, rescopeDevice, revokeDevice } from '../replication/devices.js';
import { deviceActivity } from '../replication/activity.js';
import { headSeq } from '../store/change-log-repo.js';
import { listDevices } from '../store/devices-repo.js';
import { ADMIN_ONLY, defineHandler } from './handler.js';

const Name = z.string().trim().min(1).max(100);
const DeviceId = z.string().min(1).max(60);

export const devicesHandlers = {
  'devices.enroll': defineHandler({
    summary: 'Enrol a replica (a store PC, a regional laptop): a one-time code for `ventil join`, valid 24 hours, for a scope entity:ID, region:NAME or network',
    input: z.object({ scope: z.string().min(1).max(100), name: Name }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const r = enrolDevice(ctx.db, input, ctx.principal.userId, ctx.now());
      ctx.audit({ after: r.device });
      return r;
    },
  }),

  'devices.list': defineHandler({
    summary: 'The replicas of this hub: scope, status, last contact, how far behind the hub\'s log each is',
    input: z.object({}).strict(),
    roles: ['admin', 'finance', 'auditor'],
    mutates: false,
    run: (ctx) => {
      const head = headSeq(ctx.db);
      const seen = deviceActivity(ctx.db);
      return {
        hub_seq: head,
        devices: listDevices(ctx.db).map((d) => {
          const v = deviceView(d);
          const live = seen.get(d.id);
          const last_seq = live?.seq ?? v.last_seq;
          return { ...v, last_seen_at: live?.at ?? v.last_seen_at, last_seq, behind: last_seq === null ? null : Math.max(0, head - last_seq) };
        }),
      };
    },
  }),

  'devices.revoke': defineHandler({
    summary: 'Revoke a device: refused at its next sync, it keeps its data read-only and says so on every screen',
    input: z.object({ device: DeviceId, reason: z.string().trim().min(1).max(500).optional() }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const after = revokeDevice(ctx.db, input.device, input.reason, ctx.principal.userId, ctx.now());
      ctx.audit({ after });
      return after;
    },
  }),

  'devices.rescope': defineHandler({
    summary: 'Change a device\'s scope: at its next sync it drops what left the scope and receives what entered it',
    input: z.object({ device: DeviceId, scope: z.string().min(1).max(100) }).strict(),
    roles: ADMIN_ONLY,
    mutates: true,
    run: (ctx, input) => {
      const r = rescopeDevice(ctx.db, input.device, input.scope);
      ctx.audit({ before: r.before, after: r.after });
      return r.after;
    },
  }),
};
