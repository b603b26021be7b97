/**
 * The request fields that partition the access token cache through an extended cache key (`ext_cache_key`):
 * `fmi_path` (`fmiPath`) and `client_claims` (`forwardedClientClaims`). Each flow option adds its component to the
 * request's extra data, and the key is the hash of all of them together, as MSAL Python 1.38 hashes every such field
 * of its `data` in one key.
 */
import { extCacheKey, legacyExtCacheKey } from '../cache/ext-cache-key.js';
import type { ExtraData } from './extra-data.js';

/** `extra` with one more extended cache key component, its keys recomputed. */
export function withExtCacheComponent(extra: ExtraData, name: string, value: string): ExtraData {
  const components = Object.freeze({ ...extra.extComponents, [name]: value });
  const names = Object.keys(components);
  // MSAL Python 1.36-1.37 wrote fmi_path keys in the length-less form; client_claims came after that form was replaced.
  const legacy = names.length === 1 && names[0] === 'fmi_path' ? legacyExtCacheKey(components) : undefined;
  const keys = [extCacheKey(components), legacy].filter((k): k is string => k !== undefined);
  return Object.freeze({
    ...extra,
    dedupKey: `${extra.dedupKey}\n${name}=${value}`,
    extComponents: components,
    extCacheKeys: Object.freeze(keys),
  });
}
