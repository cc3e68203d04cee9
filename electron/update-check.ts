// The check run on every downloaded update before anything installs it (electron/updater.ts),
// kept apart from electron-updater so tests run it under plain Node.
import semver from 'semver';
import { verifyUpdate, type SignedUpdate, type VerifyResult } from '../core/security/update-signature.js';

/**
 * The signature travels in the feed's update file (latest.yml), as the JSON string
 * `ventilSignature: '{"manifest":{...},"signature":"..."}'` written by scripts/sign-update.mjs;
 * electron-updater passes every field of that file on with the `update-downloaded` event.
 */
export function signatureOf(info: Record<string, unknown>): SignedUpdate | null {
  const raw = info.ventilSignature;
  if (typeof raw !== 'string') return null;
  try {
    const parsed = JSON.parse(raw) as SignedUpdate;
    return parsed && typeof parsed === 'object' && typeof parsed.signature === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export async function checkDownloadedUpdate(event: { downloadedFile: string } & Record<string, unknown>, publicKey: string, currentVersion: string): Promise<VerifyResult> {
  const signed = signatureOf(event);
  if (!signed) return { ok: false, code: 'bad_signature', message: 'the update carries no Ventil signature' };
  // The feed's version (what electron-updater downloaded) must be the signed one.
  const announced = typeof event.version === 'string' ? semver.valid(event.version) : null;
  const signedVersion = typeof signed.manifest?.version === 'string' ? semver.valid(signed.manifest.version) : null;
  if (announced !== null && signedVersion !== null && !semver.eq(announced, signedVersion)) {
    return { ok: false, code: 'bad_version', message: `the feed announces ${String(event.version)}, the signature is for ${signed.manifest.version}` };
  }
  return verifyUpdate({ manifest: signed.manifest, signature: signed.signature, filePath: event.downloadedFile, publicKey, currentVersion });
}
