// The keys of daily batches and of their lines' sums, as small integers. A run posts millions of
// movements into some ten thousand batches: each movement named its batch and its lines' sums
// by text, which the writing thread hashed again to find them, and which crossed from the
// settlement worker as as many strings. Now the thread that computes a movement names its keys
// by their number in its table, a worker sends the keys its table learnt with each chunk's
// results, and the writing thread maps the worker's numbers to its own table's (KeyMapping):
// one lookup per key the worker met, not per movement.

type FourParts = Map<string, Map<string, Map<string, Map<string, number>>>>;

/** Keys by number, in the order first asked for. */
export class KeyTable {
  private readonly ids = new Map<string, number>();
  private readonly list: string[] = [];
  private sent = 0;
  /** The numbers of keys of four parts, looked up part by part (`ofParts`): batches', sums'. */
  private readonly byParts: [FourParts, FourParts] = [new Map(), new Map()];

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

  /**
   * The number of the key `${a}\0${b}\0${c}\0${d}` (`sum`: `\0${a}\0${b}\0${c}\0${d}`, a
   * sum's, which a batch's key never equals), as `id` gives it. Looked up part by part: the
   * parts are mostly strings already hashed (entities, accounts, currencies), where the joined key
   * was a new string to flatten and hash for every movement and line (`id` took 0.55 s of the
   * worker's 6.9 s at 20,000 orders).
   */
  ofParts(sum: boolean, a: string, b: string, c: string, d: string): number {
    const top = this.byParts[sum ? 1 : 0]!;
    let m1 = top.get(a);
    if (m1 === undefined) top.set(a, (m1 = new Map()));
    let m2 = m1.get(b);
    if (m2 === undefined) m1.set(b, (m2 = new Map()));
    let m3 = m2.get(c);
    if (m3 === undefined) m2.set(c, (m3 = new Map()));
    let id = m3.get(d);
    if (id === undefined) m3.set(d, (id = this.id(`${sum ? '\u0000' : ''}${a}\u0000${b}\u0000${c}\u0000${d}`)));
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
