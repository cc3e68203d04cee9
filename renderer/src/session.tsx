// Who is using the app. At start the renderer asks `auth.status` (a public operation, allowed
// with the run token of `ventil serve` or over IPC before sign-in): a new database needs its
// first administrator (setup), otherwise the user signs in. Over HTTP the session token that
// `auth.login` returns replaces the run token for every later call (api.ts); over IPC the main
// process keeps it. A refused session (expired, idle, disabled) brings the sign-in back.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Role } from '../../common/vocabulary';
import { call, hasSession, onUnauthenticated, setSessionToken, type ErrorValue, type Output, type Result } from './api';
import { navigate } from './router';
import { onReconnect } from './connection';

export interface SessionUser {
  id: string;
  /** Null for the local operator of a server without sign-in: the UI shows its label. */
  name: string | null;
  login: string | null;
  role: Role;
  regions: readonly string[];
  entities: readonly string[];
}

type Me = Output<'auth.me'>;
export type AuthStatus = Output<'auth.status'>;
export type SignedIn = Output<'auth.login'>;
export type DemoUser = Output<'auth.demoUsers'>[number];
/** What the screens before sign-in know of the installation: a hub, a replica (revoked?), joining. */
export type Installation = AuthStatus['installation'];

export type Phase =
  | { kind: 'loading' }
  | { kind: 'error'; error: ErrorValue }
  | { kind: 'setup'; status: AuthStatus }
  | { kind: 'joining'; status: AuthStatus }
  | { kind: 'login'; status: AuthStatus; reason: 'expired' | null }
  | { kind: 'change-password'; status: AuthStatus; user: SessionUser }
  | { kind: 'ready'; status: AuthStatus | null; user: SessionUser; scope: readonly string[] | null };

export interface Session {
  phase: Phase;
  /** The signed-in user; only inside the shell (phase 'ready'). */
  user: SessionUser;
  /** Entities the user may see; null: the whole network. */
  scope: readonly string[] | null;
  /** True when no sign-in exists on this server (older API): the run token acts as administrator. */
  local: boolean;
  signIn(login: string, password: string): Promise<Result<SignedIn>>;
  setup(name: string, login: string, password: string): Promise<Result<SignedIn>>;
  changePassword(current: string, next: string): Promise<Result<unknown>>;
  signOut(): Promise<void>;
  refresh(): void;
}

/** A server without `auth.*` (before sign-in existed): the run token is the administrator. */
export const LOCAL_OPERATOR: SessionUser = { id: 'system', name: null, login: null, role: 'admin', regions: [], entities: [] };

const SessionContext = createContext<Session | null>(null);

function userOf(me: Me): SessionUser | null {
  if (!me.user) return null;
  const u = me.user;
  return { id: u.id, name: u.name, login: u.login, role: u.role, regions: u.regions, entities: u.entities };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [generation, setGeneration] = useState(0);
  const expired = useRef(false);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      let r = await call('auth.status');
      // A stale session token (expired, server restarted) is refused outright: drop it and ask again.
      if (!r.ok && r.error.code === 'unauthenticated' && hasSession()) {
        setSessionToken(null);
        expired.current = true;
        r = await call('auth.status');
      }
      if (cancelled) return;
      if (!r.ok) {
        if (r.error.code === 'unknown_operation') setPhase({ kind: 'ready', status: null, user: LOCAL_OPERATOR, scope: null });
        else setPhase({ kind: 'error', error: r.error });
        return;
      }
      const status = r.value;
      const user = status.me ? userOf(status.me) : null;
      if (status.signed_in && user) {
        expired.current = false;
        if (status.me?.user && 'must_change_password' in status.me.user && status.me.user.must_change_password) setPhase({ kind: 'change-password', status, user });
        else setPhase({ kind: 'ready', status, user, scope: status.me!.scope.entities });
      } else if (status.installation?.kind === 'joining') setPhase({ kind: 'joining', status });
      else if (status.needs_setup) setPhase({ kind: 'setup', status });
      else setPhase({ kind: 'login', status, reason: expired.current ? 'expired' : null });
    })();
    return () => { cancelled = true; };
  }, [generation]);

  const refresh = useCallback(() => setGeneration((g) => g + 1), []);

  // Started while the server was down: ask again by itself once it answers (connection.ts).
  const unreachable = phase.kind === 'error' && phase.error.code === 'network';
  useEffect(() => (unreachable ? onReconnect(refresh) : undefined), [unreachable, refresh]);

  useEffect(() => onUnauthenticated(() => {
    if (!hasSession()) return;
    setSessionToken(null);
    expired.current = true;
    refresh();
  }), [refresh]);

  const signedIn = useCallback(async (r: Result<SignedIn>) => {
    if (r.ok) {
      if (r.value.token) setSessionToken(r.value.token);
      expired.current = false;
      refresh();
    }
    return r;
  }, [refresh]);

  const value = useMemo<Session>(() => {
    const ready = phase.kind === 'ready' ? phase : null;
    return {
      phase,
      user: ready?.user ?? (phase.kind === 'change-password' ? phase.user : LOCAL_OPERATOR),
      scope: ready?.scope ?? null,
      local: ready !== null && ready.status === null,
      signIn: async (login, password) => signedIn(await call('auth.login', { login, password })),
      setup: async (name, login, password) => signedIn(await call('auth.setup', { name, login, password })),
      changePassword: async (current, next) => {
        const r = await call('auth.changePassword', { current_password: current, new_password: next });
        if (r.ok) refresh();
        return r;
      },
      signOut: async () => {
        // The shell goes first, with its cache and its timed reads, so that no read leaves with
        // a session that is being closed (it would come back 401); then the next user starts on
        // their own home, not on the previous user's page.
        setPhase({ kind: 'loading' });
        await new Promise((r) => setTimeout(r, 0));
        await call('auth.logout');
        setSessionToken(null);
        navigate('/', { replace: true });
        expired.current = false;
        refresh();
      },
      refresh,
    };
  }, [phase, signedIn, refresh]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** Head office may edit the registry only as administrator (core/api/network.ts, ADMIN_ONLY). */
export const canEditRegistry = (role: Role) => role === 'admin';
