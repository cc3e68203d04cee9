// The Ed25519 public key (PEM, SPKI) that signs Ventil updates. IT generates the key pair and
// writes its public half here with `node scripts/sign-update.mjs keygen --write-app-key`
// before building (docs/it-deployment.md). While empty, the app never installs an update.
export const UPDATE_PUBLIC_KEY_PEM = '';
