// Lets Node run Ventil from its TypeScript sources, with no build step: tsx resolves the
// modules, and compile-hook.mjs compiles our own (registered last, so it is asked first).
// Imported by bin/ventil.mjs, by the settlement worker's entry, and by `node --import` in the
// package's scripts (the benchmarks), so that all of them run the same compiled code.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./compile-hook.mjs', import.meta.url);
