// Reads and writes of users and sessions (migrations/0006_users_audit.ts). Session tokens are
// never stored: only their sha256, so the database cannot be used to resume a session.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import type { UsersTable } from './schema.js';

export type UserRow = UsersTable;

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export function countUsers(db: Db): number {
  return (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
}

export function listUsers(db: Db): UserRow[] {
  return db.prepare('SELECT * FROM users ORDER BY login').all() as UserRow[];
}

export function getUser(db: Db, id: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
}

export function getUserByLogin(db: Db, login: string): UserRow | undefined {
  return db.prepare('SELECT * FROM users WHERE login = ?').get(login) as UserRow | undefined;
}

export interface NewUser {
  name: string; login: string; role: UserRow['role']; regions: readonly string[]; entities: readonly string[];
  password_hash: string; must_change_password: boolean; now: string;
}

export function insertUser(db: Db, u: NewUser): UserRow {
  const id = `u_${randomUUID()}`;
  db.prepare(`INSERT INTO users (id, name, login, role, regions_json, entities_json, password_hash, must_change_password,
      created_at, updated_at, password_changed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(id, u.name, u.login, u.role, JSON.stringify(u.regions), JSON.stringify(u.entities), u.password_hash,
      u.must_change_password ? 1 : 0, u.now, u.now, u.now);
  return getUser(db, id)!;
}

export function updateUser(db: Db, id: string, changes: Partial<Omit<UserRow, 'id' | 'created_at'>>): void {
  const keys = Object.keys(changes).filter((k) => (changes as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return;
  db.prepare(`UPDATE users SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`)
    .run({ ...Object.fromEntries(keys.map((k) => [k, (changes as Record<string, unknown>)[k]])), id });
}

/** Enabled administrators other than `exceptId`. */
export function countOtherAdmins(db: Db, exceptId: string): number {
  return (db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?").get(exceptId) as { n: number }).n;
}

// ---- Sessions ---------------------------------------------------------------------------

export interface SessionRow { id: string; user_id: string; created_at: string; expires_at: string; last_seen_at: string }

/** Creates a session; returns its token (shown once, to the caller) and its row. */
export function createSession(db: Db, userId: string, now: Date, hours: number): { token: string; session: SessionRow } {
  const token = randomBytes(32).toString('base64url');
  const session: SessionRow = {
    id: `s_${randomUUID()}`, user_id: userId, created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + hours * 3_600_000).toISOString(), last_seen_at: now.toISOString(),
  };
  db.prepare('INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(session.id, tokenHash(token), userId, session.created_at, session.expires_at, session.last_seen_at);
  return { token, session };
}

export function findSession(db: Db, token: string): (SessionRow & { user: UserRow }) | undefined {
  const s = db.prepare('SELECT id, user_id, created_at, expires_at, last_seen_at FROM sessions WHERE token_hash = ?').get(tokenHash(token)) as SessionRow | undefined;
  if (!s) return undefined;
  const user = getUser(db, s.user_id);
  return user ? { ...s, user } : undefined;
}

export function touchSession(db: Db, id: string, at: string): void {
  db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, id);
}

export function deleteSession(db: Db, id: string): number {
  return db.prepare('DELETE FROM sessions WHERE id = ?').run(id).changes;
}

/** Ends every session of a user, except `keep` (the caller's own, after a password change). */
export function deleteUserSessions(db: Db, userId: string, keep?: string): number {
  return db.prepare('DELETE FROM sessions WHERE user_id = ? AND id IS DISTINCT FROM ?').run(userId, keep ?? null).changes;
}

export function deleteExpiredSessions(db: Db, now: string): number {
  return db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
}
