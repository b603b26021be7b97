/**
 * @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load unless a Reflect metadata polyfill
 * (reflect-metadata) is installed. The emulator needs only the few functions tsyringe calls, so it defines them here,
 * and only when no polyfill is present, rather than adding a dependency that patches globals for every user.
 */

type MetadataMap = Map<unknown, unknown>;
const store = new WeakMap<object, Map<string | symbol | undefined, MetadataMap>>();

function ownMap(target: object, property: string | symbol | undefined, create: boolean): MetadataMap | undefined {
  let byProperty = store.get(target);
  if (byProperty === undefined) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let map = byProperty.get(property);
  if (map === undefined && create) {
    map = new Map();
    byProperty.set(property, map);
  }
  return map;
}

interface ReflectMetadataApi {
  defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void;
  getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown;
  getMetadata(key: unknown, target: object, property?: string | symbol): unknown;
  hasOwnMetadata(key: unknown, target: object, property?: string | symbol): boolean;
  hasMetadata(key: unknown, target: object, property?: string | symbol): boolean;
  metadata(key: unknown, value: unknown): (target: object, property?: string | symbol) => void;
}

/** Installs the metadata functions on `Reflect` unless a real polyfill already did. */
export function ensureReflectMetadata(): void {
  const r = Reflect as unknown as Partial<ReflectMetadataApi>;
  if (typeof r.getMetadata === 'function') return;
  const api: ReflectMetadataApi = {
    defineMetadata(key, value, target, property) {
      ownMap(target, property, true)?.set(key, value);
    },
    getOwnMetadata(key, target, property) {
      return ownMap(target, property, false)?.get(key);
    },
    getMetadata(key, target, property) {
      for (let t: object | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
        const map = ownMap(t, property, false);
        if (map?.has(key) === true) return map.get(key);
      }
      return undefined;
    },
    hasOwnMetadata(key, target, property) {
      return ownMap(target, property, false)?.has(key) === true;
    },
    hasMetadata(key, target, property) {
      return api.getMetadata(key, target, property) !== undefined;
    },
    metadata(key, value) {
      return (target, property) => api.defineMetadata(key, value, target, property);
    },
  };
  Object.assign(Reflect, api);
}
