/**
 * Entry keys exactly as MSAL Python writes them: `-`-joined and lower-cased, except AppMetadata's.
 * Reading never depends on keys (other MSALs write other formats); keys matter only to where an entry is written.
 */

/** The fields a key is made from; `null` and `undefined` both become an empty part. */
type KeyFields = Readonly<Record<string, unknown>>;

function part(fields: KeyFields, name: string): string {
  const value = fields[name];
  return typeof value === 'string' ? value : '';
}

/**
 * `{home_account_id}-{environment}-accesstoken-{client_id}-{realm}-{target}`, plus `-{key_id}` for a key-bound token
 * so that tokens bound to different keys (and a Bearer token for the same scopes) can coexist, as recent MSAL Python does.
 * A token with an extended cache key (`ext_cache_key`, e.g. for an `fmi_path`) is `...-atext-...-{ext_cache_key}`,
 * as MSAL Python, .NET and Go write it.
 */
export function accessTokenKey(fields: KeyFields): string {
  const ext = part(fields, 'ext_cache_key');
  const base = [
    part(fields, 'home_account_id'),
    part(fields, 'environment'),
    ext === '' ? 'AccessToken' : 'atext',
    part(fields, 'client_id'),
    part(fields, 'realm'),
    part(fields, 'target'),
  ].join('-');
  const keyId = part(fields, 'key_id');
  const bound = keyId === '' ? base : `${base}-${keyId}`;
  return withAssertionHash((ext === '' ? bound : `${bound}-${ext}`).toLowerCase(), fields);
}

/**
 * On-behalf-of entries carry the hash of the incoming assertion (`userAssertionHash`); it ends their key, so tokens
 * obtained with different assertions for the same user and scopes coexist instead of replacing each other. MSAL Python
 * has no such partition (its OBO tokens never carry the field, so its keys are unchanged). The hash is base64url and
 * kept in its case.
 */
function withAssertionHash(key: string, fields: KeyFields): string {
  const hash = part(fields, 'userAssertionHash');
  return hash === '' ? key : `${key}-${hash}`;
}

/** `{home_account_id}-{environment}-refreshtoken-{client_id}--{target}`: RTs are cross-tenant, so the realm part is empty. */
export function refreshTokenKey(fields: KeyFields): string {
  const key = [part(fields, 'home_account_id'), part(fields, 'environment'), 'RefreshToken', part(fields, 'client_id'), '', part(fields, 'target')]
    .join('-')
    .toLowerCase();
  return withAssertionHash(key, fields);
}

/** `{home_account_id}-{environment}-idtoken-{client_id}-{realm}-` (the schema keeps an empty target part). */
export function idTokenKey(fields: KeyFields): string {
  return [part(fields, 'home_account_id'), part(fields, 'environment'), 'IdToken', part(fields, 'client_id'), part(fields, 'realm'), '']
    .join('-')
    .toLowerCase();
}

/** `{home_account_id}-{environment}-{realm}`. */
export function accountKey(fields: KeyFields): string {
  return [part(fields, 'home_account_id'), part(fields, 'environment'), part(fields, 'realm')].join('-').toLowerCase();
}

/** `appmetadata-{environment}-{client_id}`, not lower-cased (MSAL Python never lower-cases this one). */
export function appMetadataKey(fields: KeyFields): string {
  return `appmetadata-${part(fields, 'environment')}-${part(fields, 'client_id')}`;
}
