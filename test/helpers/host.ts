// The database process's answering, in the test's own process: the IPC channel's logic
// (electron/ipc-handler.ts) over core/host/calls.ts without a child process. The split itself,
// with real processes, is tested in test/integration/host-process.test.ts.
import { randomUUID } from 'node:crypto';
import { endSessionByToken } from '../../core/api/auth.js';
import { answerCall } from '../../core/host/calls.js';
import type { Db } from '../../core/store/db.js';
import type { HostLike } from '../../electron/ipc-handler.js';

export function inProcessHost(db: Db, now?: () => Date): HostLike {
  return {
    call: async (name, input, token) => answerCall(db, { id: randomUUID(), name, input, token }, now),
    endSession: (token) => endSessionByToken(db, token),
  };
}
