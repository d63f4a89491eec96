// A bounded cache of values built per key (compiled programs per batch size): the `capacity` most
// recently used are kept, so a caller cycling through many batch sizes does not grow memory.
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  /** The value for `key`, built by `make` if absent; marks it most recently used. */
  get(key: K, make: () => V): V {
    let value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key); // re-inserted below as the most recent
    } else {
      value = make();
      if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    }
    this.entries.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
