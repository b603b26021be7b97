/**
 * msal-ts/azure: msal-ts applications and managed identities as Azure SDK credentials (`TokenCredential`), with no
 * dependency on any @azure package. See docs/azure.md.
 *
 * @example
 * ```ts
 * import { SecretClient } from '@azure/keyvault-secrets';
 * import { ConfidentialClientApplication } from 'msal-ts';
 * import { asTokenCredential } from 'msal-ts/azure';
 *
 * const app = new ConfidentialClientApplication(clientId, { authority, clientCredential: secret });
 * const secrets = new SecretClient('https://my-vault.vault.azure.net', asTokenCredential(app));
 * ```
 * @packageDocumentation
 */
export { asTokenCredential } from './as-token-credential.js';
export type { AsTokenCredentialOptions, SignInFallback } from './as-token-credential.js';
export type { AbortSignalLike, AccessToken, GetTokenOptions, TokenCredential } from './token-credential.js';
export { CredentialUnavailableError } from '../errors.js';
export type { CredentialUnavailableReason } from '../errors.js';
