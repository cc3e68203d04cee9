import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblems, verifyAgainstNothing, verifyPassword } from '../../../core/security/passwords.js';

describe('password hashing', () => {
  const hash = hashPassword('correct horse battery staple');

  it('stores scrypt parameters, a per-user salt and the hash', () => {
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{88}$/);
    expect(hashPassword('correct horse battery staple')).not.toBe(hash); // another salt
  });

  it('verifies the right password only', () => {
    expect(verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(verifyPassword('', hash)).toBe(false);
    expect(verifyPassword('x', 'plain-text')).toBe(false);
    expect(verifyPassword('x', 'scrypt$99999999$8$1$AAAA$AAAA')).toBe(false);
    expect(verifyAgainstNothing('anything')).toBe(false);
  });

  it('checks older, cheaper parameters stored in a hash', () => {
    const old = hashPassword('long enough password', { N: 2 ** 14, r: 8, p: 1 });
    expect(verifyPassword('long enough password', old)).toBe(true);
  });

  it('asks for 12 characters at least, and not the login', () => {
    expect(passwordProblems('short')).toEqual(['at least 12 characters']);
    expect(passwordProblems('aaaaaaaaaaaaaaa')).toEqual(['not one character repeated']);
    expect(passwordProblems('Jean.Dupont.Lyon', { login: 'jean.dupont.lyon' })).toEqual(['not your login or name']);
    expect(passwordProblems('twelve chars')).toEqual([]);
    expect(passwordProblems('x'.repeat(300)).length).toBeGreaterThan(0);
  });
});
