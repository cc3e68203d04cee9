// The database process's call journal: an answer by call id, pruned after an hour, without
// touching the other bookkeeping of sync_state (feed cursors, the runner lock).
import { describe, expect, it } from 'vitest';
import { answerCall, JOURNAL_KEEP_MS, pruneCallJournal } from '../../../core/host/calls.js';
import { journaledAnswer } from '../../../core/store/call-journal-repo.js';
import { writeState } from '../../../core/sync/outbox.js';
import { FROZEN_NOW, memoryDb } from '../../helpers/db.js';

describe('the call journal', () => {
  it('keeps a mutating call\'s answer (not a read\'s, not a session token), then prunes it', async () => {
    const db = memoryDb();
    const now = () => FROZEN_NOW;
    writeState(db, 'feed.pull.default', { cursor: 'c1' }, new Date(0));
    const setup = await answerCall(db, { id: 'call-1', name: 'auth.setup', input: { name: 'Admin', login: 'admin', password: 'admin-password-2026' }, token: null }, now);
    expect(setup.result).toMatchObject({ ok: true, value: { token: expect.any(String) } });
    expect(journaledAnswer(db, 'call-1')).toMatchObject({ ok: false, error: { code: 'answer_lost' } });
    const token = (setup.result as { value: { token: string } }).value.token;
    const created = await answerCall(db, { id: 'call-2', name: 'users.create', input: { name: 'A', login: 'auditor', role: 'auditor', password: 'auditor-password-2026' }, token }, now);
    expect(journaledAnswer(db, 'call-2')).toEqual(created.result);
    // The same id again: answered from the journal, not run again.
    expect(await answerCall(db, { id: 'call-2', name: 'users.create', input: { name: 'A', login: 'auditor', role: 'auditor', password: 'auditor-password-2026' }, token }, now))
      .toEqual({ result: created.result, replayed: true });
    await answerCall(db, { id: 'call-3', name: 'users.list', input: {}, token }, now);
    expect(journaledAnswer(db, 'call-3')).toBeNull();
    expect(pruneCallJournal(db, new Date(FROZEN_NOW.getTime() + JOURNAL_KEEP_MS - 1))).toBe(0);
    expect(pruneCallJournal(db, new Date(FROZEN_NOW.getTime() + JOURNAL_KEEP_MS + 1))).toBe(2);
    expect(db.prepare('SELECT key FROM sync_state ORDER BY key').pluck().all()).toEqual(['feed.pull.default']);
  });
});
