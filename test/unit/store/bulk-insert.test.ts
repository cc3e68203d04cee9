// Multi-row inserts (core/store/bulk-insert.ts): every row written once, in order, across full
// statements and the last partial one; an ON CONFLICT tail applied row by row; a child table's
// rows written only after its parent's (foreign keys on).
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { bulkInsert } from '../../../core/store/bulk-insert.js';

function db() {
  const d = new Database(':memory:');
  d.pragma('foreign_keys = ON');
  d.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT;
    CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent(id), seq INTEGER NOT NULL, amount INTEGER NOT NULL, PRIMARY KEY (parent_id, seq)) STRICT;
    CREATE TABLE sums (k TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;`);
  return d;
}

describe('bulk inserts', () => {
  it('write every row once and in order, in full statements and a last partial one, only when flushed', () => {
    const d = db();
    const parents = bulkInsert(d, 'INSERT INTO parent (id, name) VALUES', 2);
    for (let i = 1; i <= 150; i++) parents.add([i, `p${i}`]);
    // 150 rows: two full statements of 64 written, 22 still queued.
    expect(d.prepare('SELECT count(*) FROM parent').pluck().get()).toBe(128);
    parents.flush();
    parents.flush();
    expect(d.prepare('SELECT id, name FROM parent ORDER BY rowid').raw().all()).toEqual(Array.from({ length: 150 }, (_, i) => [i + 1, `p${i + 1}`]));
  });

  it('flush the parent table first, so that a child row always finds its parent', () => {
    const d = db();
    const parents = bulkInsert(d, 'INSERT INTO parent (id, name) VALUES', 2);
    const children = bulkInsert(d, 'INSERT INTO child (parent_id, seq, amount) VALUES', 3, { before: () => parents.flush() });
    for (let i = 1; i <= 100; i++) {
      parents.add([i, `p${i}`]);
      for (let s = 0; s < 3; s++) children.add([i, s, i * 10 + s]);
    }
    children.flush();
    expect(d.prepare('SELECT count(*), sum(amount) FROM child').raw().get()).toEqual([300, 3 * 10 * 5050 + 100 * 3]);
    // Without the hook, a child written before its parent is refused.
    const orphans = bulkInsert(d, 'INSERT INTO child (parent_id, seq, amount) VALUES', 3);
    orphans.add([999, 0, 1]);
    expect(() => orphans.flush()).toThrow(/FOREIGN KEY/);
  });

  it('apply an ON CONFLICT tail to each row, duplicates within one statement included', () => {
    const d = db();
    const sums = bulkInsert(d, 'INSERT INTO sums (k, n) VALUES', 2, { tail: 'ON CONFLICT (k) DO UPDATE SET n = n + excluded.n' });
    for (let i = 0; i < 200; i++) sums.add([`k${i % 3}`, 1]);
    sums.flush();
    expect(d.prepare('SELECT k, n FROM sums ORDER BY k').raw().all()).toEqual([['k0', 67], ['k1', 67], ['k2', 66]]);
  });

  it('write rows given as a key and the rest (addAfter) as the same rows, interleaved with whole ones', () => {
    const d = db();
    d.prepare("INSERT INTO parent (id, name) VALUES (1, 'p1')").run();
    const children = bulkInsert(d, 'INSERT INTO child (parent_id, seq, amount) VALUES', 3);
    for (let s = 0; s < 100; s++) {
      if (s % 2 === 0) children.addAfter(1, s, [s * 10]);
      else children.add([1, s, s * 10]);
    }
    children.flush();
    expect(d.prepare('SELECT parent_id, seq, amount FROM child ORDER BY rowid').raw().all()).toEqual(Array.from({ length: 100 }, (_, s) => [1, s, s * 10]));
  });

  it('refuses a row of the wrong width', () => {
    expect(() => bulkInsert(db(), 'INSERT INTO sums (k, n) VALUES', 2).add(['k'])).toThrow(/1 values for 2 columns/);
    expect(() => bulkInsert(db(), 'INSERT INTO child (parent_id, seq, amount) VALUES', 3).addAfter(1, 2, [3, 4])).toThrow(/4 values for 3 columns/);
  });
});
