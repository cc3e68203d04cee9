// Log rotation by size, shared by the command line's pino file and the desktop's electron-log
// file: NAME.log → NAME.1.log → ... → NAME.<keep>.log, the oldest dropped.
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { parse, join } from 'node:path';

export const LOG_MAX_BYTES = 10 * 1024 * 1024;
export const LOG_KEEP = 3;

export function needsRotation(file: string, maxBytes: number): boolean {
  try {
    return statSync(file).size > maxBytes;
  } catch {
    return false;
  }
}

export function rotatedName(file: string, n: number): string {
  const p = parse(file);
  return join(p.dir, `${p.name}.${n}${p.ext}`);
}

export function rotateLogFiles(file: string, keep: number = LOG_KEEP): void {
  rmSync(rotatedName(file, keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    const from = rotatedName(file, n);
    if (existsSync(from)) renameSync(from, rotatedName(file, n + 1));
  }
  if (existsSync(file)) renameSync(file, rotatedName(file, 1));
}
