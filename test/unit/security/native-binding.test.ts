// The packaged desktop app loads only the SQLite module it ships: VENTIL_SQLITE_BINDING, a
// development override, would otherwise let an environment variable load any native code.
import { describe, expect, it } from 'vitest';
import { sqliteBinding } from '../../../electron/native-binding.js';

describe('the SQLite native module of the desktop app', () => {
  const env = { VENTIL_SQLITE_BINDING: '/tmp/evil.node' };
  it('ignores VENTIL_SQLITE_BINDING when packaged', () => {
    expect(sqliteBinding(env, true)).toBeUndefined();
  });
  it('honours it in development (npm start)', () => {
    expect(sqliteBinding(env, false)).toBe('/tmp/evil.node');
    expect(sqliteBinding({}, false)).toBeUndefined();
    expect(sqliteBinding({ VENTIL_SQLITE_BINDING: '' }, false)).toBeUndefined();
  });
});
