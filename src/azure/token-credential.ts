/**
 * The Azure SDK's credential contract, declared here structurally so that msal-ts needs no @azure package at run time.
 * Each type accepts what `@azure/core-auth` declares (tested by assigning one to the other in test/azure), so a
 * {@link TokenCredential} from `msal-ts/azure` goes wherever an Azure SDK client asks for a `TokenCredential`.
 */

/** What an Azure SDK passes as `abortSignal`: the platform's `AbortSignal`, or a look-alike with the same events. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The options an Azure SDK passes to {@link TokenCredential.getToken}. */
export interface GetTokenOptions {
  /** Aborts the token request. */
  abortSignal?: AbortSignalLike | undefined;
  /**
   * A claims challenge (JSON, already base64-decoded by the SDK) from a resource that refused the last token, e.g. a
   * Continuous Access Evaluation `insufficient_claims` challenge: the cache is skipped and the claims are sent.
   */
  claims?: string | undefined;
  /** The tenant to get the token from, e.g. the tenant named by a resource's challenge. */
  tenantId?: string | undefined;
  /**
   * Whether the caller handles CAE challenges. msal-ts declares CAE capability per application, through its
   * `clientCapabilities: ['cp1']` option, so this flag changes nothing (see docs/azure.md).
   */
  enableCae?: boolean | undefined;
  /** Ignored: msal-ts applications have their own `timeoutMs`. */
  requestOptions?: { timeout?: number | undefined } | undefined;
  /** Ignored: msal-ts does no distributed tracing. */
  tracingOptions?: unknown;
}

/** A token as the Azure SDK uses it. */
export interface AccessToken {
  /** The access token. */
  token: string;
  /** When the token expires, in epoch milliseconds. */
  expiresOnTimestamp: number;
  /** When the SDK should get a fresh token ahead of expiry (the server's `refresh_in`), in epoch milliseconds. */
  refreshAfterTimestamp?: number;
  /** `Bearer` (msal-ts does not issue proof-of-possession tokens). */
  tokenType?: 'Bearer' | 'pop';
}

/** The Azure SDK's `TokenCredential`: what every Azure SDK client takes to authenticate its requests. */
export interface TokenCredential {
  /**
   * Gets a token for `scopes`.
   *
   * @param scopes - One scope or several, usually `<resource>/.default`.
   * @param options - Claims challenge, tenant, abort signal.
   */
  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null>;
}
