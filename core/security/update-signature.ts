// Signed updates: IT signs each build with an Ed25519 key kept off the machines; the app holds
// the public key and refuses to install anything whose signature, file or version is wrong
// (docs/it-deployment.md). Pure Node crypto, no Electron, so it is tested under Node.
//
// The signed payload is the manifest's canonical JSON (keys sorted, no spaces, UTF-8):
//   { "file", "format": "ventil.update/1", "key_id", "product", "sha512", "size", "version" }
// `sha512` is the installer's SHA-512 in base64 (as electron-updater's latest.yml writes it),
// `key_id` the first 16 hex digits of the SHA-256 of the public key (DER, SPKI). The
// signature file `<installer>.sig.json` holds `{ "manifest": {...}, "signature": base64 }`.
import { createHash, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import semver from 'semver';
import { canonicalJson } from '../domain/canonical.js';

export const UPDATE_FORMAT = 'ventil.update/1';
export const PRODUCT = 'Ventil';

export interface UpdateManifest {
  format: typeof UPDATE_FORMAT;
  product: string;
  version: string;
  file: string;
  size: number;
  sha512: string;
  key_id: string;
}

export interface SignedUpdate { manifest: UpdateManifest; signature: string }

export type VerifyFailure =
  | 'bad_manifest' | 'unknown_key' | 'bad_signature' | 'size_mismatch' | 'hash_mismatch' | 'wrong_product'
  | 'not_newer' | 'downgrade' | 'bad_version';

export type VerifyResult =
  | { ok: true; version: string; file: string }
  | { ok: false; code: VerifyFailure; message: string };

// ---- Versions (semver 2.0, through the semver package) ------------------------------------

/** A release version as signed: semver 2.0 as written, without a "v" prefix or spaces. */
export function isSemver(v: string): boolean {
  return semver.valid(v) !== null && v === v.trim() && !v.startsWith('v');
}

// ---- Keys --------------------------------------------------------------------------------

export function generateUpdateKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function publicKeyObject(publicKey: string | KeyObject): KeyObject {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the update key must be an Ed25519 public key');
  return key;
}

/** First 16 hex digits of the SHA-256 of the public key (DER, SPKI): names the key in manifests. */
export function keyId(publicKey: string | KeyObject): string {
  const der = publicKeyObject(publicKey).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

// ---- Hashing, signing --------------------------------------------------------------------

export function sha512Base64(bytes: Uint8Array): string {
  return createHash('sha512').update(bytes).digest('base64');
}

export function sha512OfFile(path: string): Promise<{ sha512: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha512');
    let size = 0;
    createReadStream(path)
      .on('data', (chunk) => { size += chunk.length; hash.update(chunk); })
      .on('error', reject)
      .on('end', () => resolve({ sha512: hash.digest('base64'), size }));
  });
}

/** The exact bytes signed: the manifest's canonical JSON in UTF-8. */
export function signedPayload(manifest: UpdateManifest): Buffer {
  return Buffer.from(canonicalJson(manifest), 'utf8');
}

export function signUpdate(input: { version: string; file: string; bytes?: Uint8Array; sha512?: string; size?: number; privateKey: string; publicKey: string; product?: string }): SignedUpdate {
  if (!isSemver(input.version)) throw new Error(`not a semantic version: ${input.version}`);
  const sha512 = input.sha512 ?? (input.bytes ? sha512Base64(input.bytes) : undefined);
  const size = input.size ?? input.bytes?.length;
  if (sha512 === undefined || size === undefined) throw new Error('give the file bytes, or its sha512 and size');
  const manifest: UpdateManifest = {
    format: UPDATE_FORMAT, product: input.product ?? PRODUCT, version: input.version, file: input.file, size, sha512, key_id: keyId(input.publicKey),
  };
  const signature = sign(null, signedPayload(manifest), input.privateKey).toString('base64');
  return { manifest, signature };
}

// ---- Verifying ---------------------------------------------------------------------------

function manifestProblem(m: unknown): string | null {
  if (!m || typeof m !== 'object') return 'the manifest is not an object';
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o).sort().join(',');
  if (keys !== 'file,format,key_id,product,sha512,size,version') return `unexpected manifest fields: ${keys}`;
  if (o.format !== UPDATE_FORMAT) return `unknown manifest format ${String(o.format)}`;
  for (const k of ['product', 'version', 'file', 'sha512', 'key_id']) if (typeof o[k] !== 'string' || o[k] === '') return `${k} must be a non-empty string`;
  if (!Number.isSafeInteger(o.size) || (o.size as number) < 0) return 'size must be a non-negative integer';
  return null;
}

export interface VerifyInput {
  manifest: unknown;
  signature: string;
  /** The downloaded installer, as bytes or as a path (hashed as a stream). */
  fileBytes?: Uint8Array;
  filePath?: string;
  /** The public key embedded in the app (PEM, SPKI). */
  publicKey: string | KeyObject;
  /** The running app's version: only a strictly newer version is accepted. */
  currentVersion: string;
  product?: string;
}

const fail = (code: VerifyFailure, message: string): VerifyResult => ({ ok: false, code, message });

/**
 * Checks, in order: the manifest's shape, that it names our key, the Ed25519 signature over
 * the canonical manifest, the file's size and SHA-512, the product, and that the version is
 * newer than the running one. Any failure refuses the update.
 */
export async function verifyUpdate(input: VerifyInput): Promise<VerifyResult> {
  const problem = manifestProblem(input.manifest);
  if (problem) return fail('bad_manifest', problem);
  const manifest = input.manifest as UpdateManifest;
  let key: KeyObject;
  try {
    key = publicKeyObject(input.publicKey);
  } catch (e) {
    return fail('unknown_key', `the app's update key is unusable: ${(e as Error).message}`);
  }
  if (manifest.key_id !== keyId(key)) {
    return fail('unknown_key', `signed with key ${manifest.key_id}, but this app trusts key ${keyId(key)}`);
  }
  const signature = Buffer.from(typeof input.signature === 'string' ? input.signature : '', 'base64');
  if (signature.length !== 64 || !verify(null, signedPayload(manifest), key, signature)) {
    return fail('bad_signature', 'the signature does not match the manifest');
  }
  let actual: { sha512: string; size: number };
  if (input.fileBytes) actual = { sha512: sha512Base64(input.fileBytes), size: input.fileBytes.length };
  else if (input.filePath) actual = await sha512OfFile(input.filePath);
  else return fail('bad_manifest', 'no file to check');
  if (actual.size !== manifest.size) return fail('size_mismatch', `the file has ${actual.size} bytes, the manifest says ${manifest.size}`);
  if (actual.sha512 !== manifest.sha512) return fail('hash_mismatch', 'the file\'s SHA-512 differs from the signed one: it was altered');
  if (manifest.product !== (input.product ?? PRODUCT)) return fail('wrong_product', `the update is for ${manifest.product}`);
  if (!isSemver(manifest.version) || !isSemver(input.currentVersion)) return fail('bad_version', `not a semantic version: ${manifest.version}`);
  // Precedence as semver 2.0 defines it: build metadata ignored, a pre-release below its release.
  const order = semver.compare(manifest.version, input.currentVersion);
  if (order === 0) return fail('not_newer', `version ${manifest.version} is the one installed`);
  if (order < 0) return fail('downgrade', `version ${manifest.version} is older than the installed ${input.currentVersion}`);
  return { ok: true, version: manifest.version, file: manifest.file };
}
