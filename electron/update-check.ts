// The check run on every downloaded update before anything installs it (electron/updater.ts),
// kept apart from electron-updater so tests run it under plain Node.
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
  return verifyUpdate({ manifest: signed.manifest, signature: signed.signature, filePath: event.downloadedFile, publicKey, currentVersion });
}
