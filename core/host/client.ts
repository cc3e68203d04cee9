// The main process's side of the database process: starts it, sends it the calls, and when it
// dies, says so in the log and starts a new one. The calls it had not answered are sent again
// with the same ids, one at a time; the new process answers from its journal those it had
// applied (core/host/calls.ts), so no call is lost and none is applied twice. Sending them one
// at a time also tells which call kills the process: one that does it twice is answered with
// an error instead of being sent again. Calls made meanwhile wait. Holds no database: what
// starts the process is given (Electron's utilityProcess in the app, a Node child process in
// tests).
import { randomUUID } from 'node:crypto';
import type { Result } from '../api/errors.js';
import { emitLogRecord, logger } from '../log/logger.js';
import type { DeviceCredential } from '../replication/credentials.js';
import type { CallAnswer, FromHost, HostConfig, ToHost } from './protocol.js';

/** A started database process, as the main process drives it. */
export interface HostChild {
  readonly pid: number | undefined;
  post(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  /** Once, when the process has ended, however it ended. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type HostEvent =
  | { type: 'ready'; pid: number | undefined; demo: boolean; starts: number }
  | { type: 'exit'; pid: number | undefined; code: number | null; signal: string | null; expected: boolean }
  | { type: 'failed'; error: { code: string; message: string } };

export interface HostClientOptions {
  spawn: () => HostChild;
  config: HostConfig;
  onEvent?: (e: HostEvent) => void;
  /** Restart delays grow from this (default 200 ms) to 5 s. */
  restartDelayMs?: number;
  /** More crashes than this within a minute: give up (default 5). */
  maxCrashesPerMinute?: number;
  /** A call alone in flight during this many crashes is answered with an error (default 2). */
  maxAttemptsPerCall?: number;
  stopTimeoutMs?: number;
  /** The database process joined a network (a credential to seal) or forgot its credential (null). */
  onDeviceCredential?: (credential: DeviceCredential | null) => void;
}

interface Pending {
  id: string;
  name: string;
  input: unknown;
  token: string | null;
  attempts: number;
  resolve: (a: CallAnswer) => void;
}

type State = 'starting' | 'ready' | 'waiting' | 'stopping' | 'stopped' | 'failed';

const unavailable = (message: string): Result<unknown> => ({ ok: false, error: { code: 'database_unavailable', message } });

export class HostClient {
  private readonly log = logger('host');
  private state: State = 'starting';
  private child: HostChild | null = null;
  private readonly queue: Pending[] = [];
  /** Sent and not answered yet, in the order sent. */
  private readonly inFlight = new Map<string, Pending>();
  /** Calls a dead process had not answered: sent again one at a time, before the queue. */
  private readonly recovering: Pending[] = [];
  private crashes: number[] = [];
  private starts = 0;
  private failure: { code: string; message: string } | null = null;
  private stopped: Promise<void> | null = null;
  private onStopped: (() => void) | null = null;
  /** Sent to each process started: a device credential received since replaces the first one. */
  private config: HostConfig;

  constructor(private readonly opts: HostClientOptions) {
    this.config = opts.config;
    this.launch();
  }

  get status(): State { return this.state; }
  get pid(): number | undefined { return this.child?.pid; }

  /** Calls an API operation in the database process; always resolves, errors are values. */
  call(name: string, input: unknown, token: string | null): Promise<CallAnswer> {
    if (this.state === 'failed') return Promise.resolve({ result: { ok: false, error: this.failure ?? { code: 'database_unavailable', message: 'the database process could not start' } } });
    if (this.state === 'stopping' || this.state === 'stopped') return Promise.resolve({ result: unavailable('the app is closing') });
    return new Promise((resolve) => {
      this.queue.push({ id: randomUUID(), name, input, token, attempts: 0, resolve });
      this.pump();
    });
  }

  /** Ends a session (a window closed); lost if the process is down, and then it expires. */
  endSession(token: string): void {
    if (this.state === 'ready') this.child?.post({ t: 'end-session', token });
  }

  /** Lets the call in progress finish, stops the process; calls still queued get an error. */
  stop(): Promise<void> {
    if (this.stopped) return this.stopped;
    const wasLive = this.state === 'ready';
    // A process still starting has run no call: it is ended rather than asked.
    if (this.state === 'starting') this.child?.kill();
    this.state = 'stopping';
    for (const p of this.queue.splice(0)) p.resolve({ result: unavailable('the app is closing') });
    this.stopped = new Promise<void>((resolve) => {
      this.onStopped = () => { this.state = 'stopped'; resolve(); };
      if (!this.child) { this.onStopped(); return; }
      if (!wasLive) return; // killed above: its exit ends the stop
      this.child.post({ t: 'stop' });
      const timer = setTimeout(() => { this.log.warn('the database process did not stop in time: killing it'); this.child?.kill(); }, this.opts.stopTimeoutMs ?? 15_000);
      timer.unref?.();
    });
    return this.stopped;
  }

  private launch(): void {
    this.state = 'starting';
    this.starts++;
    const child = this.opts.spawn();
    this.child = child;
    child.onMessage((m) => this.received(child, m));
    child.onExit((code, signal) => this.exited(child, code, signal));
  }

  private received(child: HostChild, m: FromHost): void {
    if (child !== this.child) return;
    switch (m.t) {
      case 'hello':
        child.post({ t: 'start', config: this.config });
        return;
      case 'ready':
        if (this.state !== 'starting') return;
        this.state = 'ready';
        this.log.info(`database process ${child.pid ?? '?'} ready${this.starts > 1 ? ` (start ${this.starts})` : ''}`);
        this.opts.onEvent?.({ type: 'ready', pid: child.pid, demo: m.demo, starts: this.starts });
        this.pump();
        return;
      case 'start-failed':
        this.fail(m.error);
        return;
      case 'answer': {
        const p = this.inFlight.get(m.id);
        if (!p) return;
        this.inFlight.delete(m.id);
        if (m.replayed) this.log.info(`${p.name} was applied before the database process stopped: answered from its journal`);
        const { t: _t, id: _id, ...answer } = m;
        p.resolve(answer);
        this.pump();
        return;
      }
      case 'log':
        emitLogRecord(m.record);
        return;
      case 'device':
        this.config = { ...this.config, device: m.credential };
        try {
          this.opts.onDeviceCredential?.(m.credential);
        } catch (e) {
          this.log.error(`the device credential could not be kept: ${(e as Error).message}`);
        }
        return;
      case 'stopped':
        return;
    }
  }

  private exited(child: HostChild, code: number | null, signal: string | null): void {
    if (child !== this.child) return;
    this.child = null;
    const expected = this.state === 'stopping' || this.state === 'failed';
    this.opts.onEvent?.({ type: 'exit', pid: child.pid, code, signal, expected });
    if (this.state === 'stopping') { this.onStopped?.(); return; }
    if (this.state === 'failed') return;
    this.log.error(`the database process ${child.pid ?? '?'} exited (code ${code ?? '-'}, signal ${signal ?? '-'}); starting a new one`);
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < 60_000), now];
    const sent = [...this.inFlight.values()];
    this.inFlight.clear();
    // Alone in flight, a call is the one the process died of; among several, none is blamed yet.
    const blamed = sent.length === 1 ? sent[0] : null;
    for (const p of [...sent, ...this.recovering.splice(0)]) {
      if (p === blamed) p.attempts++;
      if (p.attempts >= (this.opts.maxAttemptsPerCall ?? 2)) {
        this.log.error(`${p.name} was alone in progress at ${p.attempts} exits of the database process: not sent again`);
        p.resolve({ result: { ok: false, error: { code: 'host_crashed', message: `the database process stopped ${p.attempts} times while running ${p.name}` } } });
      } else {
        this.recovering.push(p); // the same id: answered from the journal if it was applied
      }
    }
    if (this.crashes.length > (this.opts.maxCrashesPerMinute ?? 5)) {
      this.fail({ code: 'database_unavailable', message: `the database process stopped ${this.crashes.length} times in a minute` });
      return;
    }
    // Never from within the exit event itself (Electron must not post to the process that left).
    this.state = 'waiting';
    const delay = Math.min(5_000, (this.opts.restartDelayMs ?? 200) * 2 ** (this.crashes.length - 1));
    setTimeout(() => { if (this.state === 'waiting') this.launch(); }, delay);
  }

  private fail(error: { code: string; message: string }): void {
    this.state = 'failed';
    this.failure = error;
    this.log.error(`the database is unavailable: ${error.message}`, { code: error.code });
    this.opts.onEvent?.({ type: 'failed', error });
    const waiting = [...this.inFlight.values(), ...this.recovering.splice(0), ...this.queue.splice(0)];
    this.inFlight.clear();
    for (const p of waiting) p.resolve({ result: { ok: false, error } });
    this.child?.kill();
  }

  private pump(): void {
    if (this.state !== 'ready' || !this.child) return;
    if (this.recovering.length > 0) {
      if (this.inFlight.size === 0) this.send(this.recovering.shift()!);
      return;
    }
    while (this.queue.length > 0) this.send(this.queue.shift()!);
  }

  private send(p: Pending): void {
    this.inFlight.set(p.id, p);
    this.child!.post({ t: 'call', id: p.id, name: p.name, input: p.input, token: p.token });
  }
}
