/**
 * MSAL Python's `TokenCache.CredentialType` and `TokenCache.AuthorityType`: the section names of the unified cache
 * (what {@link TokenCache.search} and {@link TokenCache.modify} take) and the `authority_type` values of Account entries.
 */

/** The sections of the unified cache, by MSAL Python's constant names. */
export const CredentialType = Object.freeze({
  ACCESS_TOKEN: 'AccessToken',
  REFRESH_TOKEN: 'RefreshToken',
  /** Not a credential, but a section like the others (as in MSAL Python). */
  ACCOUNT: 'Account',
  ID_TOKEN: 'IdToken',
  APP_METADATA: 'AppMetadata',
} as const);

/** One of {@link CredentialType}'s values. */
export type CredentialType = (typeof CredentialType)[keyof typeof CredentialType];

/** The `authority_type` of an Account entry: `MSSTS` (Entra ID v2, work and personal accounts) or `ADFS`. */
export const AuthorityType = Object.freeze({
  ADFS: 'ADFS',
  MSSTS: 'MSSTS',
} as const);

/** One of {@link AuthorityType}'s values. */
export type AuthorityType = (typeof AuthorityType)[keyof typeof AuthorityType];
