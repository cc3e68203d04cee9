// The numbers of the sign-in policy, in one place (docs/security.md explains each).
export const AUTH_POLICY = {
  /** Failed sign-ins in a row before the account is locked. */
  maxFailedAttempts: 5,
  /** How long a locked account stays locked. */
  lockoutMinutes: 15,
  /** Shortest accepted password (NIST SP 800-63B favours length over composition rules). */
  passwordMinLength: 12,
  /** Longest accepted password: scrypt's cost must not be driven by the input's size. */
  passwordMaxLength: 256,
  /** A session ends this long after sign-in, whatever happens. */
  sessionHours: 12,
  /** A session ends after this long without a call. */
  sessionIdleMinutes: 60,
  /** `last_seen_at` is written at most this often (reads should not write on every call). */
  sessionTouchSeconds: 60,
} as const;

/** Operations a user whose password was reset may call before choosing a new one. */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set([
  'auth.status', 'auth.me', 'auth.logout', 'auth.changePassword', 'auth.login', 'auth.setup', 'auth.demoUsers',
]);
