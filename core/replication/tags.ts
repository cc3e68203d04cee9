// Which documents a device receives: scope tags (core/store/doc-tags.ts writes them on the
// documents; this computes a device's). A store PC holds '*' (registry, settings, rules), its
// entity's documents and its own command answers; a region's laptop every entity of the region
// and the region's controllers; a network-wide replica everything but other devices' answers.
// Like PowerSync's buckets: a document carries the tags of the scopes it belongs to, a device
// pulls the union of its tags. Pure.
import { createHash } from 'node:crypto';
import { deviceTag, entityTag, NETWORK_TAG, regionTag } from '../store/doc-tags.js';
import type { DeviceScope } from './scope.js';

/** A device's tags, sorted; null for a network-wide device (every tag). */
export function deviceTags(scope: DeviceScope, entities: readonly string[], deviceId: string): string[] | null {
  if (scope.kind === 'network') return null;
  const tags = new Set<string>([NETWORK_TAG, deviceTag(deviceId), ...entities.map(entityTag)]);
  if (scope.kind === 'region') tags.add(regionTag(scope.region));
  return [...tags].sort();
}

/** A short fingerprint of a tag set, carried in the cursor: when it changes, the replica resyncs. */
export function tagsHash(tags: readonly string[] | null): string {
  if (tags === null) return 'network';
  return createHash('sha256').update(tags.join('\n')).digest('base64url').slice(0, 16);
}

/** Whether a tag concerns this device: for a network-wide one, every tag but other devices'. */
export function tagRelevant(tag: string, tags: ReadonlySet<string> | null, deviceId: string): boolean {
  if (tags !== null) return tags.has(tag);
  return !tag.startsWith('d:') || tag === deviceTag(deviceId);
}

/** Whether a document held with `held` tags stays in a scope of `tags` (null: everything stays). */
export function staysInScope(held: readonly string[], tags: ReadonlySet<string> | null): boolean {
  return tags === null || held.some((t) => tags.has(t));
}
