// The keys of daily batches and of their lines' sums, as small integers. A run posts millions of
// movements into some ten thousand batches: each movement named its batch and its lines' sums
// by text, which the writing thread hashed again to find them, and which crossed from the
// settlement worker as as many strings. Now the thread that computes a movement names its keys
// by their number in its table, a worker sends the keys its table learnt with each chunk's
// results, and the writing thread maps the worker's numbers to its own table's (KeyMapping):
// one lookup per key the worker met, not per movement.

/** Keys by number, in the order first asked for. */
export class KeyTable {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  private sent = 0;

  /** The key's number, a new one for a key not seen before. */
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.list.length;
      this.ids.set(key, id);
      this.list.push(key);
    }
    return id;
  }

  /** The key of a number this table gave. */
  key(id: number): string {
    const k = this.list[id];
    if (k === undefined) throw new Error(`movement keys: no key numbered ${id}`);
    return k;
  }

  /** The keys numbered since the last call, in number order (a worker sends them with a chunk's results). */
  added(): string[] {
    const out = this.list.slice(this.sent);
    this.sent = this.list.length;
    return out;
  }
}

/** Numbers of another thread's table (learnt from its `added` keys, in order) mapped to `into`'s. */
export class KeyMapping {
  private readonly map: number[] = [];
  constructor(private readonly into: KeyTable) {}

  learn(added: readonly string[]): void {
    for (const k of added) this.map.push(this.into.id(k));
  }

  /** `into`'s number for the other table's number `id`. */
  of(id: number): number {
    const n = this.map[id];
    if (n === undefined) throw new Error(`movement keys: key ${id} of the worker's table was never sent`);
    return n;
  }
}
