// The log file of the command line and the servers (`ventil serve`, `ventil sync`, the hub):
// JSON lines through pino in `<user data>/logs/ventil.log` (VENTIL_LOG_DIR elsewhere), rotated
// by size: over 10 MB the file becomes ventil.1.log, ventil.1.log becomes ventil.2.log, and so
// on up to ventil.3.log (docs/it-deployment.md "Logs"). Servers also echo each record to
// stderr as a line for their terminal (`time scope: message`).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { userDataDir } from '../cli/paths.js';
import { installLogSink, logLevelFromEnv, type LogLevel, type LogRecord } from './logger.js';
import { registerEnvSecrets } from './redact.js';
import { LOG_MAX_BYTES, LOG_KEEP, needsRotation, rotateLogFiles } from './rotate.js';

/** `VENTIL_LOG_DIR`, else `logs` in the user data folder (shared with the desktop app). */
export function logDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.VENTIL_LOG_DIR || join(userDataDir(env), 'logs');
}

export interface FileLogOptions {
  dir?: string;
  /** The file's name; default ventil.log. */
  name?: string;
  level?: LogLevel;
  maxBytes?: number;
  keep?: number;
  /** How often a long-running process checks the size (default 60 s). */
  checkEveryMs?: number;
}

export interface FileLog {
  file: string;
  close(): void;
}

const echoLine = (r: LogRecord) => `${r.time} ${r.scope}: ${r.message}${r.level === 'error' || r.level === 'warn' ? ` [${r.level}]` : ''}\n`;

/** Also shows each record as a line on a terminal (servers: stderr); returns how to stop. */
export function echoLogTo(stream: NodeJS.WritableStream, level: LogLevel = logLevelFromEnv()): () => void {
  return installLogSink((r) => { stream.write(echoLine(r)); }, level);
}

/** Starts writing this process's log records to the file; `close()` stops and flushes. */
export function startFileLog(opts: FileLogOptions = {}): FileLog {
  registerEnvSecrets();
  const dir = opts.dir ?? logDir();
  const file = join(dir, opts.name ?? 'ventil.log');
  const maxBytes = opts.maxBytes ?? LOG_MAX_BYTES;
  const keep = opts.keep ?? LOG_KEEP;
  const level = opts.level ?? logLevelFromEnv();
  mkdirSync(dir, { recursive: true });
  if (needsRotation(file, maxBytes)) rotateLogFiles(file, keep);
  // Synchronous writes: a command's last lines are on disk when it exits, and logs are few.
  const destination = pino.destination({ dest: file, sync: true, mkdir: true });
  const out = pino({
    level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
  const uninstall = installLogSink((r) => out[r.level]({ scope: r.scope, ...r.fields }, r.message), level);
  const timer = setInterval(() => {
    if (!needsRotation(file, maxBytes)) return;
    rotateLogFiles(file, keep);
    destination.reopen();
  }, opts.checkEveryMs ?? 60_000);
  timer.unref();
  return {
    file,
    close: () => {
      clearInterval(timer);
      uninstall();
      destination.flushSync();
      destination.end();
    },
  };
}
