#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the `ventil` command from the TypeScript sources (register-sources.mjs), so it works right
// after `npm ci` with no build step. The flag (npm's Windows shim reads it from this line too) lets
// V8's young generation grow to three 64 MB semi-spaces instead of 16 MB ones: an import or a
// settlement run allocates objects that die within a chunk, and with the default they are
// copied and promoted first (docs/decisions/0007-settlement-storage-and-worker.md, point 6).
import './register-sources.mjs';

const { main } = await import('../core/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
