/**
 * A map from a string to an insertion-ordered set of values: the building block of every cache index.
 *
 * Most keys hold one value (one refresh token per account and app, one id token per account, app and tenant), so a
 * key's only value is stored as is, and a set is made only for a second one: an empty `Set` and its table cost about
 * 250 bytes, and a user cache held six per user (an eighth of its heap).
 */

/** Two or more values of one key. Its own class, so telling it from a single value never depends on what V is. */
class Values<V> extends Set<V> {}

export class MultiMap<V> {
  readonly #map = new Map<string, V | Values<V>>();

  /** Adds `value` under `key`. */
  add(key: string, value: V): void {
    const held = this.#map.get(key);
    if (held === undefined) this.#map.set(key, value);
    else if (held instanceof Values) held.add(value);
    else if (held !== value) this.#map.set(key, new Values([held, value]));
  }

  /**
   * Removes `value` from `key`, dropping the key when it holds nothing more (so the map never grows with churn) and
   * going back to a single value when one remains.
   */
  delete(key: string, value: V): void {
    const held = this.#map.get(key);
    if (held === undefined) return;
    if (!(held instanceof Values)) {
      if (held === value) this.#map.delete(key);
      return;
    }
    held.delete(value);
    if (held.size > 1) return;
    for (const only of held) this.#map.set(key, only);
  }

  /** The values under `key` in insertion order (a new array), or `undefined` when there are none. */
  get(key: string): V[] | undefined {
    const held = this.#map.get(key);
    if (held === undefined) return undefined;
    return held instanceof Values ? [...held] : [held];
  }

  /** The first value stored under `key` (the only one, for most keys), or `undefined`. */
  first(key: string): V | undefined {
    const held = this.#map.get(key);
    if (!(held instanceof Values)) return held;
    for (const v of held) return v;
    return undefined;
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
