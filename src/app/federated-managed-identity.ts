/**
 * Federated managed identity (FMI), as MSAL Python's `acquire_token_for_client(..., fmi_path=...)` (1.36, PR 876):
 * an agent platform's app asks Entra for a token on behalf of one of its agent identities, named by a path. The path
 * is sent as the `fmi_path` body field, and the token is cached apart under an extended cache key
 * (`ext_cache_key`), so tokens of different paths, and the app's own token, never stand in for each other. The
 * `clientAssertion` callback is told the path (MSAL Python 1.37, PR 918), to return the credential for it.
 */
import { withExtCacheComponent } from './ext-cache-components.js';
import type { ExtraData } from './extra-data.js';

/**
 * The request's extra data with `fmi_path` added, or `extra` itself when there is no path.
 *
 * @throws TypeError naming `options.fmiPath` when it is not a non-empty string.
 */
export function withFmiPath(extra: ExtraData, fmiPath: unknown): ExtraData {
  if (fmiPath === undefined) return extra;
  if (typeof fmiPath !== 'string' || fmiPath === '') throw new TypeError('options.fmiPath must be a non-empty string');
  // Written with the current hash; the length-less form MSAL Python 1.36-1.37 wrote is read too.
  const keyed = withExtCacheComponent(extra, 'fmi_path', fmiPath);
  return Object.freeze({ ...keyed, fields: Object.freeze({ ...extra.fields, fmi_path: fmiPath }), fmiPath });
}
