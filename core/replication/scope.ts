// A device's scope, as `ventil devices enroll --scope` takes it: one entity (a store PC), one
// region (a regional controller's laptop), or the whole network. Pure.
export type DeviceScope =
  | { kind: 'entity'; entity: string }
  | { kind: 'region'; region: string }
  | { kind: 'network' };

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Parses `entity:F001`, `region:NORD` or `network`; null when it is none of them. */
export function parseScope(text: string): DeviceScope | null {
  if (text === 'network') return { kind: 'network' };
  const m = /^(entity|region):(.+)$/.exec(text);
  if (!m || !NAME.test(m[2]!)) return null;
  return m[1] === 'entity' ? { kind: 'entity', entity: m[2]! } : { kind: 'region', region: m[2]! };
}

export function formatScope(s: DeviceScope): string {
  return s.kind === 'network' ? 'network' : s.kind === 'entity' ? `entity:${s.entity}` : `region:${s.region}`;
}

export const SCOPE_HELP = 'entity:ID (a store), region:NAME (a region) or network';
