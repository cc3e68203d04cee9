// How the database process answers one call: resolves the session token to its user, calls
// the API (core/api), and for a mutating call records its id and answer in the same
// transaction (core/store/call-journal-repo.ts). When the process dies with calls unanswered,
// the main process sends them again to the new process, which answers from the journal those
// that had been applied: never lost, never applied twice.
import { authenticateSession } from '../api/auth.js';
import { createContext } from '../api/context.js';
import type { Result } from '../api/errors.js';
import { handlerNamed, prepareCall } from '../api/index.js';
import { ANONYMOUS_PRINCIPAL } from '../api/principal.js';
import type { SessionInfo } from '../api/handler.js';
import type { Db } from '../store/db.js';
import { journalAnswer, journaledAnswer, pruneJournal } from '../store/call-journal-repo.js';
import type { CallAnswer, CallRequest } from './protocol.js';

/** A larger answer is not kept: its replay says it was applied and asks to reload. */
const JOURNAL_MAX_CHARS = 1_000_000;
/** How long an answer is kept: a restart takes seconds. */
export const JOURNAL_KEEP_MS = 60 * 60_000;

/** What the journal keeps of an answer: not a session token, not a huge value. */
function journalable(result: Result<unknown>): Result<unknown> {
  const lost = (message: string): Result<unknown> => ({ ok: false, error: { code: 'answer_lost', message } });
  if (result.ok && result.value && typeof result.value === 'object' && 'token' in result.value) {
    return lost('signed in, but the database process restarted before answering: sign in again');
  }
  const text = JSON.stringify(result);
  return text.length > JOURNAL_MAX_CHARS ? lost('applied, but the database process restarted before answering: reload to see the result') : result;
}

/**
 * Answers one call. A sign-in's slow work (password hashing, throttling waits) is awaited before
 * the call's transaction (`prepareCall`), so other calls are answered meanwhile.
 */
export async function answerCall(db: Db, req: CallRequest, now: () => Date = () => new Date()): Promise<CallAnswer> {
  let principal = ANONYMOUS_PRINCIPAL;
  let session: SessionInfo | null = null;
  let sessionInvalid = false;
  if (req.token) {
    const s = authenticateSession(db, req.token, now());
    if (s.ok) ({ principal, session } = s);
    else sessionInvalid = true;
  }
  // The desktop app is one source for sign-in throttling (docs/security.md).
  const ctx = createContext(db, { principal, session, now, source: 'desktop' });
  const handler = handlerNamed(req.name);
  if (!handler?.mutates) return { result: (await prepareCall(ctx, req.name, req.input)).finish(), ...(sessionInvalid ? { sessionInvalid } : {}) };
  const journaled = journaledAnswer<Result<unknown>>(db, req.id);
  if (journaled) return { result: journaled, replayed: true };
  const call = await prepareCall(ctx, req.name, req.input);
  // Applied by a call with this id while this one was being prepared: answer from the journal.
  const meanwhile = journaledAnswer<Result<unknown>>(db, req.id);
  if (meanwhile) return { result: meanwhile, replayed: true };
  // The call's own transaction nests in this one (a savepoint): the journal commits with it.
  const result = db.transaction(() => {
    const r = call.finish();
    journalAnswer(db, req.id, journalable(r), now());
    return r;
  }).immediate();
  return { result, ...(sessionInvalid ? { sessionInvalid } : {}) };
}

/** Drops the journal's entries older than JOURNAL_KEEP_MS (at start, then from time to time). */
export function pruneCallJournal(db: Db, now: Date = new Date()): number {
  return pruneJournal(db, new Date(now.getTime() - JOURNAL_KEEP_MS));
}
