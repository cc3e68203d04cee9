// The desktop app's log file, through electron-log: `<userData>/logs/ventil-desktop.log`
// (VENTIL_LOG_DIR elsewhere), rotated over 10 MB to ventil-desktop.1.log ... .3.log, level
// VENTIL_LOG_LEVEL (info by default). It holds the main process's records and those the
// database process (core/host) forwards, already redacted (core/log/redact.ts). Kept apart
// from electron-log's main entry, so tests configure electron-log's Node logger the same way.
import { join } from 'node:path';
import type ElectronLog from 'electron-log';
import { installLogSink, logLevelFromEnv, type LogLevel, type LogRecord } from '../core/log/logger.js';
import { registerEnvSecrets } from '../core/log/redact.js';
import { LOG_KEEP, LOG_MAX_BYTES, rotateLogFiles } from '../core/log/rotate.js';

export const DESKTOP_LOG_NAME = 'ventil-desktop.log';

export interface DesktopLogOptions {
  /** The folder: VENTIL_LOG_DIR, else `logs` in the app's user data folder. */
  dir: string;
  level?: LogLevel;
  /** Also on the terminal (development runs). */
  console?: boolean;
  maxBytes?: number;
}

const line = (r: LogRecord) => `${r.scope}: ${r.message}${r.fields && Object.keys(r.fields).length ? ` ${JSON.stringify(r.fields)}` : ''}`;

export function desktopLogDir(userData: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.VENTIL_LOG_DIR || join(userData, 'logs');
}

/** Points electron-log at the file and routes Ventil's log records to it; returns the file. */
export function configureDesktopLog(log: ElectronLog.NodeLogger, opts: DesktopLogOptions): { file: string; stop(): void } {
  registerEnvSecrets();
  const level = opts.level ?? logLevelFromEnv();
  const file = join(opts.dir, DESKTOP_LOG_NAME);
  const t = log.transports;
  t.file.resolvePathFn = () => file;
  t.file.maxSize = opts.maxBytes ?? LOG_MAX_BYTES;
  t.file.archiveLogFn = (old) => rotateLogFiles(old.path, LOG_KEEP);
  t.file.level = level;
  t.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  t.console.level = opts.console ? level : false;
  const stop = installLogSink((r) => log[r.level](line(r)), level);
  return { file, stop };
}
