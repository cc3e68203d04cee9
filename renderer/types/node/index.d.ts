// Node's types, as the browser program sees them: none. The API's declarations name the database
// handle (`ApiContext.db`), and the SQLite driver's typings ask for Node's with
// `/// <reference types="node" />`; tsconfig.web.json resolves that reference here (typeRoots),
// so the renderer, which runs in a sandboxed page, cannot use `process`, `Buffer` or `node:*`.
export {};
