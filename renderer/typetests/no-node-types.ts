// Type-level test, run by `npm run typecheck` (tsconfig.web.json): the renderer runs in a
// sandboxed browser page, so Node's globals and modules must not type-check there. Each
// `@ts-expect-error` fails the typecheck if the line below it ever compiles.

// @ts-expect-error process is a Node global
export const env = process.env;

// @ts-expect-error Buffer is a Node global
export type Bytes = Buffer;

// @ts-expect-error node: modules do not exist in the browser
export type Fs = typeof import('node:fs');
