// The database process under plain Node, in a child process whose IPC channel carries the
// messages (structured clone, as Electron's ports do). Electron's desktop app uses its
// utilityProcess instead (electron/host-process.ts); tests use this to run the same split.
import { fork } from 'node:child_process';
import type { HostChild } from './client.js';
import type { FromHost, HostPort, ToHost } from './protocol.js';

/** The child's end: the IPC channel to the process that forked it. */
export function parentProcessPort(): HostPort {
  if (!process.send) throw new Error('not started with an IPC channel (child_process.fork)');
  return {
    post: (m: FromHost) => { process.send?.(m); },
    onMessage: (listener) => { process.on('message', (m) => listener(m as ToHost)); },
  };
}

/** The parent's end: how a HostClient starts `entry` as a Node child process. */
export function forkHost(entry: string, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): () => HostChild {
  return () => {
    const child = fork(entry, [], {
      serialization: 'advanced', execArgv: opts.execArgv ?? process.execArgv, env: opts.env ?? process.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return {
      get pid() { return child.pid; },
      post: (m) => { if (child.connected) child.send(m); },
      onMessage: (listener) => { child.on('message', (m) => listener(m as FromHost)); },
      onExit: (listener) => { child.once('exit', (code, signal) => listener(code, signal)); },
      kill: () => { child.kill('SIGKILL'); },
    };
  };
}
