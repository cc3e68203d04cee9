// Content hashes for idempotent imports and keys (sha256 of canonical JSON, hex).
import { createHash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical.js';

export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
