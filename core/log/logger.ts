// Ventil's log: what a store PC's sync, routing and database process did, for IT to collect
// (docs/it-deployment.md "Logs"). Code logs through `logger(scope)`; each process installs
// where records go: a file through pino for the command line and servers (core/log/file-log.ts),
// electron-log in the desktop app (electron/log.ts). Records are redacted before any sink sees
// them (core/log/redact.ts): no password, token or key reaches a log file.
//
// Logs are not the command line's output: what a command prints for its user stays on stdout
// and stderr.
import { redactFields, redactText } from './redact.js';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
export type LogFields = Record<string, unknown>;

export interface LogRecord {
  time: string;
  level: LogLevel;
  /** The part of Ventil speaking: sync, routing, host, cli, server, update, security... */
  scope: string;
  message: string;
  fields?: LogFields;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
}

const sinks = new Set<{ sink: LogSink; rank: number }>();
const rank = (level: LogLevel) => LOG_LEVELS.indexOf(level);

/** `VENTIL_LOG_LEVEL` (error, warn, info, debug); info when unset or unknown. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const v = env.VENTIL_LOG_LEVEL?.trim().toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(v ?? '') ? (v as LogLevel) : 'info';
}

/** Sends records at `level` or more severe to `sink`, until the returned function is called. */
export function installLogSink(sink: LogSink, level: LogLevel = 'info'): () => void {
  const entry = { sink, rank: rank(level) };
  sinks.add(entry);
  return () => { sinks.delete(entry); };
}

/** Writes a record (already redacted, as from another process) to the installed sinks. */
export function emitLogRecord(record: LogRecord): void {
  const r = rank(record.level);
  for (const s of sinks) {
    if (r > s.rank) continue;
    try {
      s.sink(record);
    } catch {
      // A log that cannot be written must never break the work being logged.
    }
  }
}

export function logger(scope: string): Logger {
  const write = (level: LogLevel) => (message: string, fields?: LogFields) => {
    if (sinks.size === 0) return;
    emitLogRecord({ time: new Date().toISOString(), level, scope, message: redactText(message), ...(fields ? { fields: redactFields(fields) } : {}) });
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
}

/** An error as a log field: its name, code and message (redacted like any field), no stack. */
export function errorFields(e: unknown): LogFields {
  const err = e as { name?: unknown; code?: unknown; message?: unknown } | null;
  return { error: { name: typeof err?.name === 'string' ? err.name : 'Error', code: typeof err?.code === 'string' ? err.code : undefined, message: typeof err?.message === 'string' ? err.message : String(e) } };
}
