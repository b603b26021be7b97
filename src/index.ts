/**
 * msal-ts: the Microsoft Authentication Library for Node.js, with MSAL Python's surface in TypeScript idiom.
 *
 * @example
 * ```ts
 * import { ConfidentialClientApplication } from 'msal-ts';
 * const app = new ConfidentialClientApplication(clientId, { authority, clientCredential: secret });
 * const { access_token } = await app.acquireTokenForClient(['https://graph.microsoft.com/.default']);
 * ```
 * @packageDocumentation
 */
export { ConfidentialClientApplication } from './app/confidential-client-application.js';
export type { AcquireTokenForClientOptions, ConfidentialClientApplicationOptions } from './app/confidential-client-application.js';
export type { AcquireTokenOnBehalfOfOptions } from './app/on-behalf-of.js';
export type { AcquireTokenByUserFederatedIdentityCredentialOptions, UserFederatedIdentityAssertion } from './app/user-federated-identity-credential.js';
export { ClientApplication } from './app/client-application.js';
export { PublicClientApplication } from './app/public-client-application.js';
export type { PublicClientApplicationOptions } from './app/public-client-application.js';
export type { ClientApplicationOptions } from './app/client-application-options.js';
export type { AuthenticationResult, TokenSource } from './app/authentication-result.js';
export { Prompt } from './app/prompt.js';
export type { AcquireTokenByAuthCodeFlowOptions, AuthCodeFlow, AuthorizationResponse, InitiateAuthCodeFlowOptions } from './app/auth-code-flow.js';
export type { AcquireTokenByAuthorizationCodeOptions, GetAuthorizationRequestUrlOptions } from './app/authorization-code.js';
export type { AcquireTokenSilentOptions } from './app/silent.js';
export type { AcquireTokenInteractiveOptions } from './app/interactive.js';
export type { AcquireTokenByDeviceFlowOptions, DeviceFlow, InitiateDeviceFlowOptions } from './app/device-flow.js';
export type { AcquireTokenByUsernamePasswordOptions } from './app/username-password.js';
export type { AcquireTokenByRefreshTokenOptions } from './app/refresh-token.js';
export type { TokenRequestData } from './app/extra-data.js';
export type {
  Broker,
  BrokerInteractiveRequest,
  BrokerRequest,
  BrokerSignInRequest,
  BrokerSignOutRequest,
  BrokerSilentRequest,
  BrokerTokenResponse,
} from './app/broker/broker.js';
export type { BrokerOptions, BrokerPlatform } from './app/broker/broker-options.js';
export type {
  AuthSchemeOption,
  PublicClientInteractiveOptions,
  PublicClientSilentOptions,
  PublicClientUsernamePasswordOptions,
} from './app/broker/broker-seam.js';
export { PopAuthScheme } from './app/broker/pop-auth-scheme.js';
export { AZURE_REGION_AUTO_DETECT, AZURE_REGION_DISABLED, regionalHost } from './authority/region.js';
export type { RegionEnvironment } from './authority/region.js';
export type { IdTokenValidationOptions } from './protocol/id-token.js';
export { validateIdToken } from './protocol/validate-id-token.js';
export { extractCerts } from './protocol/certificate.js';

export { ManagedIdentityClient } from './managed-identity/managed-identity-client.js';
export type { AcquireManagedIdentityTokenOptions, ManagedIdentityClientOptions, ManagedIdentityResult } from './managed-identity/managed-identity-client.js';
export { SystemAssignedManagedIdentity, UserAssignedManagedIdentity } from './managed-identity/managed-identity.js';
export type { ManagedIdentity, ManagedIdentityConfig, ManagedIdentityIdType, UserAssignedManagedIdentityInput } from './managed-identity/managed-identity.js';
export { getManagedIdentitySource } from './managed-identity/source-detection.js';
export type { ManagedIdentityEnvironment, ManagedIdentitySource } from './managed-identity/source-detection.js';
export type { Sleep } from './util/sleep.js';

export { AuthorityBuilder } from './authority/authority-builder.js';
export { AZURE_CHINA, AZURE_PUBLIC, AZURE_US_GOVERNMENT } from './authority/clouds.js';
export type { Authority, AuthorityKind } from './authority/authority.js';

export { TokenCache } from './cache/token-cache.js';
export { SerializableTokenCache } from './cache/serializable-token-cache.js';
export { AuthorityType, CredentialType } from './cache/credential-type.js';
export type { CacheEntry, SearchOptions } from './cache/cache-search.js';
export type { CacheAccessContext, CachePartition } from './cache/cache-access.js';
export type { AccessTokenEntry, Account, AccountEntry, AppMetadataEntry, IdTokenEntry, RefreshTokenEntry, TokenCacheOptions } from './cache/cache-types.js';

export type {
  CertificateCredential,
  ClientAssertionCallback,
  ClientAssertionContext,
  ClientAssertionCredential,
  ClientCredential,
  ClientSecretCredential,
} from './protocol/client-credential.js';

export { createHttpClient } from './http/undici-http-client.js';
export { createThrottledHttpClient, THROTTLED_LOCALLY_HEADER } from './http/throttled-http-client.js';
export type { ThrottleOptions } from './http/throttled-http-client.js';
export type { Logger, LogContext, LogLevel } from './logger.js';
export { PII_MASK, maskPii } from './logger.js';
export { claimsChallengeFrom, parseWwwAuthenticate } from './protocol/www-authenticate.js';
export type { AuthChallenge } from './protocol/www-authenticate.js';
export type { ClosableHttpClient, HttpClientOptions } from './http/undici-http-client.js';
export type { HttpClient, HttpRequest, HttpResponse } from './http/http-client.js';
export type { HttpCacheStore } from './http/http-cache.js';

// Every error class, including those msal-ts/extensions and msal-ts/distributed throw, so `instanceof` works from the
// core entry point (errors.ts loads no native code).
export {
  AuthorityValidationError,
  BrokerError,
  BrokerUnavailableError,
  BrowserInteractionTimeoutError,
  BrowserLaunchError,
  CacheFormatError,
  CacheTooLargeError,
  CredentialUnavailableError,
  DeviceCodeExpiredError,
  DistributedCacheError,
  FederatedAccountNotSupportedError,
  IdTokenError,
  InvalidCredentialError,
  InvalidResponseError,
  LockTimeoutError,
  LoopbackPortInUseError,
  ManagedIdentityError,
  MsalError,
  NetworkError,
  PersistenceAccessError,
  PersistenceDecryptionError,
  PersistenceEncryptionError,
  PersistenceNotFoundError,
  PersistenceUnavailableError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerError,
  StateMismatchError,
  UnsupportedOptionError,
} from './errors.js';
export type {
  AnyMsalError,
  BrokerOption,
  BrokerStatus,
  CredentialUnavailableReason,
  IdTokenCheck,
  LockTimeoutReason,
  ManagedIdentityErrorReason,
  MsalErrorCode,
  ServerErrorBody,
} from './errors.js';
export { VERSION } from './version.js';
