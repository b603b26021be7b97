/** A map from a string to an insertion-ordered set of values: the building block of every cache index. */
export class MultiMap<V> {
  readonly #map = new Map<string, Set<V>>();

  /** Adds `value` under `key`. */
  add(key: string, value: V): void {
    const set = this.#map.get(key);
    if (set === undefined) this.#map.set(key, new Set([value]));
    else set.add(value);
  }

  /** Removes `value` from `key`, dropping the key when its set becomes empty so the map never grows with churn. */
  delete(key: string, value: V): void {
    const set = this.#map.get(key);
    if (set === undefined) return;
    set.delete(value);
    if (set.size === 0) this.#map.delete(key);
  }

  /** The values under `key`, or `undefined` when there are none. Do not mutate the set. */
  get(key: string): ReadonlySet<V> | undefined {
    return this.#map.get(key);
  }

  /** Whether any value is stored under `key`. */
  has(key: string): boolean {
    return this.#map.has(key);
  }
}

/** Joins index key parts with a separator no cache field is expected to contain. */
export function indexKey(...parts: readonly string[]): string {
  return parts.join('\u0000');
}
