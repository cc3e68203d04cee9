// Where the database lives by default: the same per-user folder Electron's `userData` uses
// for an app named Ventil, so the command line and the desktop app share one database.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ventil');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Ventil');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Ventil');
}

/** `--db` wins, then `VENTIL_DB`, then the user data folder. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.VENTIL_DB ?? join(userDataDir(env), 'ventil.db');
}
