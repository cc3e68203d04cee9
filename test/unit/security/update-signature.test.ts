// Signed updates: a build signed with IT's Ed25519 key is accepted; a tampered file, another
// key, a bad signature, an older or the same version are refused. Keys are generated here.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generateUpdateKeyPair, isSemver, keyId, signUpdate, signedPayload, verifyUpdate, type SignedUpdate,
} from '../../../core/security/update-signature.js';
import { checkDownloadedUpdate, signatureOf } from '../../../electron/update-check.js';
import { repoRoot, tempDir } from '../../helpers/db.js';

const it_ = generateUpdateKeyPair();
const other = generateUpdateKeyPair();
const installer = Buffer.from('MZ... pretend this is Ventil-Setup-1.4.0.exe'.repeat(1000));
const signed = signUpdate({ version: '1.4.0', file: 'Ventil-Setup-1.4.0.exe', bytes: installer, privateKey: it_.privateKey, publicKey: it_.publicKey });
const base = { manifest: signed.manifest, signature: signed.signature, fileBytes: installer, publicKey: it_.publicKey, currentVersion: '1.3.2' };

describe('verifyUpdate', () => {
  it('accepts a newer build signed with the app\'s key', async () => {
    expect(await verifyUpdate(base)).toEqual({ ok: true, version: '1.4.0', file: 'Ventil-Setup-1.4.0.exe' });
  });

  it('signs exactly the canonical manifest', () => {
    expect(signedPayload(signed.manifest).toString()).toBe(JSON.stringify({
      file: 'Ventil-Setup-1.4.0.exe', format: 'ventil.update/1', key_id: keyId(it_.publicKey), product: 'Ventil',
      sha512: signed.manifest.sha512, size: installer.length, version: '1.4.0',
    }));
    expect(signed.manifest.sha512).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  });

  it('refuses a tampered file', async () => {
    const tampered = Buffer.from(installer);
    tampered[100] ^= 1;
    expect(await verifyUpdate({ ...base, fileBytes: tampered })).toMatchObject({ ok: false, code: 'hash_mismatch' });
    expect(await verifyUpdate({ ...base, fileBytes: Buffer.concat([installer, Buffer.from('x')]) })).toMatchObject({ ok: false, code: 'size_mismatch' });
  });

  it('refuses a build signed with another key, even when it claims ours', async () => {
    const foreign = signUpdate({ version: '1.4.0', file: 'x.exe', bytes: installer, privateKey: other.privateKey, publicKey: other.publicKey });
    expect(await verifyUpdate({ ...base, ...foreign })).toMatchObject({ ok: false, code: 'unknown_key' });
    const claiming = { ...foreign.manifest, key_id: keyId(it_.publicKey) };
    const forged = signUpdate({ version: '1.4.0', file: 'x.exe', bytes: installer, privateKey: other.privateKey, publicKey: it_.publicKey });
    expect(forged.manifest.key_id).toBe(claiming.key_id);
    expect(await verifyUpdate({ ...base, manifest: forged.manifest, signature: forged.signature })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await verifyUpdate({ ...base, publicKey: other.publicKey })).toMatchObject({ ok: false, code: 'unknown_key' });
  });

  it('refuses a bad signature and a manifest changed after signing', async () => {
    const sig = Buffer.from(signed.signature, 'base64');
    sig[0] ^= 0xff;
    expect(await verifyUpdate({ ...base, signature: sig.toString('base64') })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await verifyUpdate({ ...base, signature: '' })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await verifyUpdate({ ...base, manifest: { ...signed.manifest, version: '9.0.0' } })).toMatchObject({ ok: false, code: 'bad_signature' });
    expect(await verifyUpdate({ ...base, manifest: { ...signed.manifest, extra: 1 } })).toMatchObject({ ok: false, code: 'bad_manifest' });
  });

  it('refuses a downgrade and the same version', async () => {
    expect(await verifyUpdate({ ...base, currentVersion: '1.4.0' })).toMatchObject({ ok: false, code: 'not_newer' });
    expect(await verifyUpdate({ ...base, currentVersion: '1.10.0' })).toMatchObject({ ok: false, code: 'downgrade' });
    expect(await verifyUpdate({ ...base, currentVersion: '2.0.0-beta.1' })).toMatchObject({ ok: false, code: 'downgrade' });
    expect(await verifyUpdate({ ...base, currentVersion: '1.4.0-rc.2' })).toMatchObject({ ok: true });
  });

  it('hashes a file on disk as a stream', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'Ventil-Setup-1.4.0.exe');
      writeFileSync(file, installer);
      expect(await verifyUpdate({ ...base, fileBytes: undefined, filePath: file })).toMatchObject({ ok: true });
      writeFileSync(file, Buffer.concat([installer.subarray(0, -1), Buffer.from('!')]));
      expect(await verifyUpdate({ ...base, fileBytes: undefined, filePath: file })).toMatchObject({ ok: false, code: 'hash_mismatch' });
    } finally {
      t.cleanup();
    }
  });
});

describe('versions (semver)', () => {
  it('accepts only a strictly newer version, by semver precedence', async () => {
    const sorted = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.2.0', '1.10.0', '2.0.0'];
    for (let i = 0; i < sorted.length - 1; i++) {
      const next = signUpdate({ version: sorted[i + 1]!, file: 'x', bytes: installer, privateKey: it_.privateKey, publicKey: it_.publicKey });
      const check = { ...base, manifest: next.manifest, signature: next.signature };
      expect(await verifyUpdate({ ...check, currentVersion: sorted[i]! }), `${sorted[i]} < ${sorted[i + 1]}`).toMatchObject({ ok: true });
      expect(await verifyUpdate({ ...check, currentVersion: sorted[i + 1]! })).toMatchObject({ ok: false, code: 'not_newer' });
    }
    expect(await verifyUpdate({ ...base, currentVersion: '1.4.0+build.5' })).toMatchObject({ ok: false, code: 'not_newer' });
  });

  it('refuses versions that are not semver as written', () => {
    for (const v of ['1.2', 'v1.2.3', ' 1.2.3', '1.2.3.4', '01.2.3']) expect(isSemver(v), v).toBe(false);
    for (const v of ['1.2.3', '1.2.3-rc.1', '1.2.3+build.5']) expect(isSemver(v), v).toBe(true);
    expect(() => signUpdate({ version: 'v2.0.0', file: 'x', bytes: installer, privateKey: it_.privateKey, publicKey: it_.publicKey })).toThrow(/semantic version/);
  });
});

describe('the desktop updater\'s check', () => {
  it('reads the signature from the feed\'s update file and checks the downloaded installer', async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, 'Ventil-Setup-1.4.0.exe');
      writeFileSync(file, installer);
      const info = { version: '1.4.0', downloadedFile: file, ventilSignature: JSON.stringify(signed) };
      expect(signatureOf(info)).toEqual(signed);
      expect(await checkDownloadedUpdate(info, it_.publicKey, '1.3.2')).toMatchObject({ ok: true });
      expect(await checkDownloadedUpdate({ ...info, ventilSignature: undefined }, it_.publicKey, '1.3.2')).toMatchObject({ ok: false, code: 'bad_signature' });
      expect(await checkDownloadedUpdate(info, other.publicKey, '1.3.2')).toMatchObject({ ok: false, code: 'unknown_key' });
      expect(await checkDownloadedUpdate(info, it_.publicKey, '1.4.0')).toMatchObject({ ok: false, code: 'not_newer' });
      // The feed announcing another version than the signed one is refused.
      expect(await checkDownloadedUpdate({ ...info, version: '1.5.0' }, it_.publicKey, '1.3.2')).toMatchObject({ ok: false, code: 'bad_version' });
    } finally {
      t.cleanup();
    }
  });
});

describe('scripts/sign-update.mjs', () => {
  const t = tempDir();
  afterAll(() => t.cleanup());
  const script = join(repoRoot, 'scripts/sign-update.mjs');
  const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });

  it('generates keys, signs a build and its feed file, and its signature passes the app\'s check', async () => {
    const keys = join(t.dir, 'keys');
    expect(run('keygen', '--out', keys).status).toBe(0);
    expect(run('keygen', '--out', keys).status).toBe(2); // never overwrites a signing key
    const file = join(t.dir, 'Ventil-Setup-2.0.0.exe');
    writeFileSync(file, installer);
    const sha512 = (signUpdate({ version: '2.0.0', file: 'x', bytes: installer, privateKey: it_.privateKey, publicKey: it_.publicKey })).manifest.sha512;
    const yml = join(t.dir, 'latest.yml');
    writeFileSync(yml, `version: 2.0.0\nfiles:\n  - url: Ventil-Setup-2.0.0.exe\n    sha512: ${sha512}\n    size: ${installer.length}\npath: Ventil-Setup-2.0.0.exe\nsha512: ${sha512}\n`);
    const signedRun = run('sign', '--key', join(keys, 'ventil-update-private.pem'), '--file', file, '--version', '2.0.0', '--yml', yml);
    expect(signedRun.stderr).toBe('');
    expect(signedRun.status).toBe(0);
    const sig = JSON.parse(readFileSync(`${file}.sig.json`, 'utf8')) as SignedUpdate;
    const pub = readFileSync(join(keys, 'ventil-update-public.pem'), 'utf8');
    expect(await verifyUpdate({ manifest: sig.manifest, signature: sig.signature, filePath: file, publicKey: pub, currentVersion: '1.9.9' })).toMatchObject({ ok: true, version: '2.0.0' });
    expect(run('verify', '--pub', join(keys, 'ventil-update-public.pem'), '--file', file).status).toBe(0);
    // The feed file now carries the signature the app reads.
    const line = readFileSync(yml, 'utf8').split('\n').find((l) => l.startsWith('ventilSignature: '))!;
    expect(JSON.parse(line.slice("ventilSignature: '".length, -1).replace(/''/g, "'"))).toEqual(sig);
    // A file changed after signing is refused by the script too.
    writeFileSync(file, Buffer.concat([installer, Buffer.from('evil')]));
    expect(run('verify', '--pub', join(keys, 'ventil-update-public.pem'), '--file', file).status).toBe(2);
  });
});
