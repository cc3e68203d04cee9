// Movement keys as numbers (core/api/movement-keys.ts): a worker numbers keys in its own table and
// sends those it added with each chunk; the writing thread maps its numbers to its own table's.
import { describe, expect, it } from 'vitest';
import { KeyMapping, KeyTable } from '../../../core/api/movement-keys.js';

describe('movement keys', () => {
  it('number each key once, in the order first asked for, and hand over the keys added since the last call', () => {
    const t = new KeyTable();
    expect([t.id('a'), t.id('b'), t.id('a')]).toEqual([0, 1, 0]);
    expect(t.added()).toEqual(['a', 'b']);
    expect(t.added()).toEqual([]);
    expect(t.id('c')).toBe(2);
    expect(t.added()).toEqual(['c']);
    expect(t.key(1)).toBe('b');
    expect(() => t.key(3)).toThrow(/no key numbered 3/);
  });

  it('map a worker\'s numbers to the writing thread\'s, where that table met the keys in another order', () => {
    const worker = new KeyTable();
    const writer = new KeyTable();
    writer.id('y'); // the writing thread computed a chunk itself first
    const mapping = new KeyMapping(writer);
    const ids = ['x', 'y', 'z', 'x'].map((k) => worker.id(k));
    mapping.learn(worker.added());
    expect(ids.map((i) => writer.key(mapping.of(i)))).toEqual(['x', 'y', 'z', 'x']);
    expect(writer.id('y')).toBe(0);
    // A number the worker never sent is an error, not another key.
    worker.id('w');
    expect(() => mapping.of(3)).toThrow(/never sent/);
  });

  it('number a key of four parts as its joined text, a sum\'s apart from a batch\'s', () => {
    const t = new KeyTable();
    const batch = t.id('E1\u0000VE\u00002026-03-02\u0000411000,707000');
    expect(t.ofParts(false, 'E1', 'VE', '2026-03-02', '411000,707000')).toBe(batch);
    const sum = t.ofParts(true, 'customer', '411000', '', 'EUR');
    expect(sum).not.toBe(batch);
    expect(t.key(sum)).toBe('\u0000customer\u0000411000\u0000\u0000EUR');
    expect(t.id('\u0000customer\u0000411000\u0000\u0000EUR')).toBe(sum);
    // The same parts as a batch's key and as a sum's are two keys.
    expect(t.ofParts(true, 'E1', 'VE', '2026-03-02', '411000,707000')).not.toBe(batch);
    expect(t.ofParts(false, 'E1', 'VE', '2026-03-02', '411000,707000')).toBe(batch);
  });
});
