// Which SQLite native module the desktop app loads. `VENTIL_SQLITE_BINDING` names a module built
// for Electron during development (scripts/start-desktop.mjs); a packaged app ignores it and
// loads only the module it ships, since whoever sets an environment variable could otherwise
// make it load any native code (issue 16).
export function sqliteBinding(env: NodeJS.ProcessEnv, isPackaged: boolean): string | undefined {
  if (isPackaged) return undefined;
  return env.VENTIL_SQLITE_BINDING || undefined;
}
