// The numbers of the sign-in policy, in one place (docs/security.md explains each).
export const AUTH_POLICY = {
  /**
   * Sign-in throttling (no lockout): after `freeFailures` failed sign-ins for a login (known or
   * not) or from a source, each attempt first waits `firstDelaySeconds`, doubling with every
   * further failure up to `maxDelaySeconds`, then is checked like any other. The right password
   * therefore always gets in after at most `maxDelaySeconds` (plus the hashing queue), whatever
   * failed before. Failures are forgotten `forgetAfterMinutes` after the last one, and a
   * successful sign-in clears its login's count. An administrator can clear a throttle.
   */
  throttle: {
    loginFreeFailures: 3,
    sourceFreeFailures: 10,
    firstDelaySeconds: 1,
    maxDelaySeconds: 30,
    forgetAfterMinutes: 15,
  },
  /** Password hashes computed at once (each takes 128 MiB and one core for ~0.5 s). */
  hashConcurrency: 2,
  /** Password hashes waiting for a turn; past that, a sign-in is answered `busy` at once. */
  hashQueueMax: 16,
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

/**
 * Largest HTTP request bodies `ventil serve` reads (docs/security.md, "Request bodies"). A body
 * is read only after its token is checked, and never past its caller's limit.
 */
export const HTTP_LIMITS = {
  /**
   * The run token reaches only the operations before sign-in: auth.setup (a 200-character name,
   * a 64-character login, a 256-character password: under 2 KB), a hub's enrolment (a code and
   * a name), and the first start's setup.join, whose CA certificate may be 20,000 characters
   * (a PEM chain; JSON escaping of its line breaks adds a little).
   */
  anonymousBodyBytes: 24 * 1024,
  /**
   * A session's largest legitimate call is a `scenario.import` batch: about 1.5 KB per order
   * with its lines and events (measured on the demo generator), so 16 MiB carries some 11 000
   * orders. Larger files go through `ventil import FILE`, which reads them directly.
   */
  sessionBodyBytes: 16 * 1024 * 1024,
} as const;

/** Operations a user whose password was reset may call before choosing a new one. */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set([
  'auth.status', 'auth.me', 'auth.logout', 'auth.changePassword', 'auth.login', 'auth.setup', 'auth.demoUsers',
]);
