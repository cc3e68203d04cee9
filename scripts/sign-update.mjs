#!/usr/bin/env node
// Signing Ventil updates, for IT (docs/it-deployment.md). Ed25519 over the canonical JSON
// manifest { file, format, key_id, product, sha512, size, version } (core/security/update-signature.ts).
//
//   node scripts/sign-update.mjs keygen --out DIR [--write-app-key]
//       Creates DIR/ventil-update-private.pem (keep it offline, mode 600) and
//       DIR/ventil-update-public.pem; --write-app-key embeds the public key in
//       electron/update-public-key.ts for the next build.
//   node scripts/sign-update.mjs sign --key PRIVATE.pem --file INSTALLER --version X.Y.Z [--yml latest.yml]
//       Writes INSTALLER.sig.json and, with --yml, adds the signature to the feed's update file
//       (the app reads it from there before installing).
//   node scripts/sign-update.mjs verify --pub PUBLIC.pem --file INSTALLER [--sig INSTALLER.sig.json] [--current X.Y.Z]
//
// Pure Node crypto (no dependency): it mirrors the app's check so IT can verify before publishing.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { chmodSync, createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function canonicalJson(value) {
  const sort = (v) => Array.isArray(v) ? v.map(sort)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, sort(v[k])])) : v;
  return JSON.stringify(sort(value));
}
const keyId = (pub) => createHash('sha256').update(createPublicKey(pub).export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function sha512OfFile(path) {
  return new Promise((res, rej) => {
    const h = createHash('sha512');
    let size = 0;
    createReadStream(path).on('data', (c) => { size += c.length; h.update(c); }).on('error', rej).on('end', () => res({ sha512: h.digest('base64'), size }));
  });
}

function die(message) {
  console.error(`sign-update: ${message}`);
  process.exit(2);
}

const [command, ...rest] = process.argv.slice(2);
const { values } = parseArgs({
  args: rest, strict: true, allowPositionals: false,
  options: {
    out: { type: 'string' }, 'write-app-key': { type: 'boolean' }, key: { type: 'string' }, pub: { type: 'string' },
    file: { type: 'string' }, version: { type: 'string' }, yml: { type: 'string' }, sig: { type: 'string' }, current: { type: 'string' },
    product: { type: 'string' },
  },
});

if (command === 'keygen') {
  if (!values.out) die('keygen needs --out DIR');
  mkdirSync(values.out, { recursive: true });
  const priv = join(values.out, 'ventil-update-private.pem');
  const pubFile = join(values.out, 'ventil-update-public.pem');
  if (existsSync(priv)) die(`${priv} exists; refusing to overwrite a signing key`);
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(priv, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  chmodSync(priv, 0o600);
  writeFileSync(pubFile, pubPem);
  console.log(`private key: ${priv} (keep it offline; whoever holds it can ship code to every store)`);
  console.log(`public key:  ${pubFile} (key id ${keyId(pubPem)})`);
  if (values['write-app-key']) {
    const target = join(root, 'electron/update-public-key.ts');
    const text = readFileSync(target, 'utf8').replace(/export const UPDATE_PUBLIC_KEY_PEM = [^;]*;/s, `export const UPDATE_PUBLIC_KEY_PEM = ${JSON.stringify(pubPem)};`);
    writeFileSync(target, text);
    console.log(`embedded the public key in ${target}`);
  }
} else if (command === 'sign') {
  if (!values.key || !values.file || !values.version) die('sign needs --key PRIVATE.pem --file INSTALLER --version X.Y.Z');
  if (!SEMVER.test(values.version)) die(`--version ${values.version} is not a semantic version`);
  const privateKey = createPrivateKey(readFileSync(values.key));
  if (privateKey.asymmetricKeyType !== 'ed25519') die('the key is not an Ed25519 private key');
  const pubPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const { sha512, size } = await sha512OfFile(values.file);
  const manifest = { format: 'ventil.update/1', product: values.product ?? 'Ventil', version: values.version, file: basename(values.file), size, sha512, key_id: keyId(pubPem) };
  const signature = sign(null, Buffer.from(canonicalJson(manifest), 'utf8'), privateKey).toString('base64');
  const signed = { manifest, signature };
  const sigFile = `${values.file}.sig.json`;
  writeFileSync(sigFile, `${JSON.stringify(signed, null, 2)}\n`);
  console.log(`wrote ${sigFile} (version ${manifest.version}, key ${manifest.key_id})`);
  if (values.yml) {
    const yml = readFileSync(values.yml, 'utf8');
    const m = /^version:\s*['"]?([^'"\s]+)/m.exec(yml);
    if (!m || m[1] !== values.version) die(`${values.yml} announces version ${m ? m[1] : '(none)'}, not ${values.version}`);
    if (!yml.includes(sha512)) die(`${values.yml} does not list this file's sha512: sign the installer the feed announces`);
    // A single-quoted YAML scalar holding the JSON (single quotes doubled).
    const line = `ventilSignature: '${JSON.stringify(signed).replace(/'/g, "''")}'`;
    const kept = yml.split(/\r?\n/).filter((l) => !l.startsWith('ventilSignature:')).join('\n').replace(/\n*$/, '\n');
    writeFileSync(values.yml, `${kept}${line}\n`);
    console.log(`added the signature to ${values.yml}`);
  }
} else if (command === 'verify') {
  if (!values.pub || !values.file) die('verify needs --pub PUBLIC.pem --file INSTALLER');
  const signed = JSON.parse(readFileSync(values.sig ?? `${values.file}.sig.json`, 'utf8'));
  const pubPem = readFileSync(values.pub, 'utf8');
  const problems = [];
  if (signed.manifest.key_id !== keyId(pubPem)) problems.push(`signed with key ${signed.manifest.key_id}, not ${keyId(pubPem)}`);
  if (!verify(null, Buffer.from(canonicalJson(signed.manifest), 'utf8'), createPublicKey(pubPem), Buffer.from(signed.signature, 'base64'))) problems.push('bad signature');
  const { sha512, size } = await sha512OfFile(values.file);
  if (size !== signed.manifest.size || sha512 !== signed.manifest.sha512) problems.push('the file differs from the signed one');
  if (values.current && signed.manifest.version === values.current) problems.push('not newer than --current');
  if (problems.length) die(`REFUSED: ${problems.join('; ')}`);
  console.log(`OK: ${signed.manifest.file} version ${signed.manifest.version}, key ${signed.manifest.key_id}`);
} else {
  console.log('usage: sign-update.mjs keygen --out DIR [--write-app-key] | sign --key K --file F --version V [--yml latest.yml] | verify --pub P --file F [--sig S]');
  process.exit(command ? 2 : 0);
}
