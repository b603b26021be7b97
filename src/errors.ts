/**
 * Every error msal-ts throws on purpose, other than caller misuse (which throws `TypeError` / `RangeError`).
 *
 * One level deep: each class extends {@link MsalError} and has a stable `code`, so `switch (err.code)` narrows the type.
 * Messages never contain secrets, tokens or personal data.
 */

/** The stable codes of every {@link MsalError} subclass. */
export type MsalErrorCode =
  | 'server_error'
  | 'invalid_response'
  | 'network_error'
  | 'request_timeout'
  | 'request_aborted'
  | 'authority_validation_failed'
  | 'cache_format'
  | 'cache_too_large'
  | 'invalid_credential'
  | 'loopback_port_in_use'
  | 'browser_interaction_timeout'
  | 'browser_launch_failed'
  | 'invalid_id_token'
  | 'state_mismatch'
  | 'device_code_expired'
  | 'federated_account_not_supported'
  | 'unsupported_option'
  | 'broker_unavailable'
  | 'broker_error'
  | 'distributed_cache'
  | 'persistence_not_found'
  | 'persistence_unavailable'
  | 'persistence_access'
  | 'persistence_encryption'
  | 'persistence_decryption'
  | 'lock_timeout'
  | 'managed_identity'
  | 'credential_unavailable'
  // The msal-ts-emulator package's EmulatorStateError (emulator/errors.ts): msal-ts's CLI maps it to an exit code.
  | 'emulator_state';

/** Base class of every error msal-ts throws on purpose. Use `code` to tell them apart. */
export abstract class MsalError extends Error {
  abstract readonly code: MsalErrorCode;
  /** The `client-request-id` of the request that failed, when there was one. */
  readonly correlationId: string | undefined;

  constructor(message: string, options: { cause?: unknown; correlationId?: string | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.correlationId = options.correlationId;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** The fields of an Entra-style OAuth2 error body, kept as the server sent them. */
export interface ServerErrorBody {
  error: string;
  error_description?: string | undefined;
  error_codes?: number[] | undefined;
  suberror?: string | undefined;
  claims?: string | undefined;
  timestamp?: string | undefined;
  trace_id?: string | undefined;
  correlation_id?: string | undefined;
  error_uri?: string | undefined;
}

/** The identity provider answered with an OAuth2 error (`invalid_grant`, `invalid_client`, ...). */
export class ServerError extends MsalError {
  readonly code = 'server_error' as const;
  /** HTTP status of the response. */
  readonly status: number;
  readonly error: string;
  readonly error_description: string | undefined;
  readonly error_codes: number[] | undefined;
  readonly suberror: string | undefined;
  readonly claims: string | undefined;
  readonly timestamp: string | undefined;
  readonly trace_id: string | undefined;
  readonly correlation_id: string | undefined;
  readonly error_uri: string | undefined;
  /** Seconds the server asked us to wait (`Retry-After`), when it did. */
  readonly retryAfter: number | undefined;
  /**
   * Set by the silent flow as MSAL Python does: `""` for the suberrors a user cannot act on (`bad_token`,
   * `token_expired`, `protection_policy_required`, `client_mismatch`, `device_authentication_failed`), otherwise the
   * suberror itself. `undefined` elsewhere.
   */
  readonly classification: string | undefined;

  constructor(
    status: number,
    body: ServerErrorBody,
    options: { correlationId?: string | undefined; retryAfter?: number | undefined; classification?: string | undefined; cause?: unknown } = {},
  ) {
    // error_description can echo user input (a username); it is the server's text, not ours, and users need it to
    // act, so it is kept, as every MSAL does.
    super(`${body.error}: ${body.error_description ?? '(no description)'}`, {
      correlationId: options.correlationId ?? body.correlation_id,
      cause: options.cause,
    });
    this.status = status;
    this.error = body.error;
    this.error_description = body.error_description;
    this.error_codes = body.error_codes;
    this.suberror = body.suberror;
    this.claims = body.claims;
    this.timestamp = body.timestamp;
    this.trace_id = body.trace_id;
    this.correlation_id = body.correlation_id;
    this.error_uri = body.error_uri;
    this.retryAfter = options.retryAfter;
    this.classification = options.classification;
  }
}

/** A server's response did not have the shape the protocol requires (missing fields, wrong types, not JSON). */
export class InvalidResponseError extends MsalError {
  readonly code = 'invalid_response' as const;
  /** HTTP status of the offending response, when there was one. */
  readonly status: number | undefined;
  /** Which document or endpoint the response came from, e.g. "token response", "OIDC discovery document". */
  readonly source: string;

  constructor(source: string, detail: string, options: { status?: number; cause?: unknown; correlationId?: string | undefined } = {}) {
    super(`invalid ${source}: ${detail}`, options);
    this.source = source;
    this.status = options.status;
  }
}

/** The request never got an HTTP response: DNS, TCP, TLS or proxy failure. `cause` holds the underlying error. */
export class NetworkError extends MsalError {
  readonly code = 'network_error' as const;
}

/** The request did not complete within its timeout. */
export class RequestTimeoutError extends MsalError {
  readonly code = 'request_timeout' as const;
}

/** The caller aborted the request through its `AbortSignal`. */
export class RequestAbortedError extends MsalError {
  readonly code = 'request_aborted' as const;
}

/** Instance discovery or OIDC discovery says the authority is not valid or not known. */
export class AuthorityValidationError extends MsalError {
  readonly code = 'authority_validation_failed' as const;
}

/** A serialized token cache could not be read: not JSON, or not the unified MSAL cache shape. */
export class CacheFormatError extends MsalError {
  readonly code = 'cache_format' as const;
}

/**
 * A persisted token cache is larger than the limit its reader accepts (`maxCacheBytes`), so it was not read: parsing it
 * would cost about three times its size in memory. Nothing was written either.
 */
export class CacheTooLargeError extends MsalError {
  readonly code = 'cache_too_large' as const;
  /** The file (or signal file) of the persistence. */
  readonly location: string;
  /** The limit, in bytes. */
  readonly limit: number;
  /** The size found, in bytes: exact when known from the file's size, else at least this much was read. */
  readonly size: number;

  constructor(location: string, size: number, limit: number) {
    super(
      `${location} holds ${size} bytes or more, over the ${limit}-byte limit of a token cache, so it was not read: ` +
        'move or delete it (a cache that large is usually a bug or an attack), or raise maxCacheBytes',
    );
    this.location = location;
    this.size = size;
    this.limit = limit;
  }
}

/** A client credential cannot be used: a key that does not match its certificate, a wrong passphrase, a bad PEM. */
export class InvalidCredentialError extends MsalError {
  readonly code = 'invalid_credential' as const;
}

/** The loopback redirect server could not listen on the port the caller chose: another process holds it. */
export class LoopbackPortInUseError extends MsalError {
  readonly code = 'loopback_port_in_use' as const;
  /** The port that was busy. */
  readonly port: number;

  constructor(port: number, options: { cause?: unknown } = {}) {
    super(`port ${port} on 127.0.0.1 is already in use; choose another port or 0 for a free one`, options);
    this.port = port;
  }
}

/** No sign-in response reached the loopback redirect server within the timeout. */
export class BrowserInteractionTimeoutError extends MsalError {
  readonly code = 'browser_interaction_timeout' as const;
}

/** No browser could be launched; the user has to open the sign-in URL themselves. */
export class BrowserLaunchError extends MsalError {
  readonly code = 'browser_launch_failed' as const;
}

/** Which id token check failed. */
export type IdTokenCheck = 'malformed' | 'audience' | 'issuer' | 'expired' | 'not_yet_valid' | 'nonce' | 'max_age' | 'signature' | 'unknown_key';

/** An id token failed validation (audience, issuer, lifetime, nonce, auth_time, or its signature). */
export class IdTokenError extends MsalError {
  readonly code = 'invalid_id_token' as const;
  /** The check that failed. */
  readonly check: IdTokenCheck;

  constructor(check: IdTokenCheck, message: string, options: { cause?: unknown; correlationId?: string | undefined } = {}) {
    super(message, options);
    this.check = check;
  }
}

/** The `state` of an authorization response is not the one the flow sent (a forged or mixed-up response). */
export class StateMismatchError extends MsalError {
  readonly code = 'state_mismatch' as const;
}

/** A device code flow expired (or its exit condition said stop) before the user finished signing in. */
export class DeviceCodeExpiredError extends MsalError {
  readonly code = 'device_code_expired' as const;
}

/**
 * The username/password flow met a federated account (user realm discovery said `Federated`): that needs WS-Trust
 * with the federation server, which msal-ts does not implement. Use interactive or device code sign-in instead.
 */
export class FederatedAccountNotSupportedError extends MsalError {
  readonly code = 'federated_account_not_supported' as const;
}

/**
 * An option MSAL Python has and msal-ts deliberately does not take where it was given: the broker flags, `authScheme`
 * and `parentWindowHandle` outside `PublicClientApplication` (only a public client uses a broker), and `allowBroker`
 * (deprecated in MSAL Python). Refused before any I/O, so a call never quietly does less than it was asked (a Bearer
 * token where a proof-of-possession one was wanted).
 */
export class UnsupportedOptionError extends MsalError {
  readonly code = 'unsupported_option' as const;
  /** The option, as the caller spelled it. */
  readonly option: string;

  constructor(option: string, message: string) {
    super(message);
    this.option = option;
  }
}

/** Which option asked for a broker that is not there. */
export type BrokerOption = 'enableBrokerOnWindows' | 'enableBrokerOnMac' | 'enableBrokerOnLinux' | 'enableBrokerOnWsl' | 'authScheme';

/**
 * A broker was asked for and there is none: an `enableBrokerOn*` flag that applies to the running platform with no
 * `broker` implementation given (msal-ts ships none; see docs/design.md), or `authScheme` (proof-of-possession, which
 * only a broker issues) on an app whose broker is not in use. Thrown before any I/O; the message says how to proceed.
 */
export class BrokerUnavailableError extends MsalError {
  readonly code = 'broker_unavailable' as const;
  /** The option that asked for the broker. */
  readonly option: BrokerOption;

  constructor(option: BrokerOption, message: string) {
    super(message);
    this.option = option;
  }
}

/**
 * Why a broker refused or failed a request, as MSAL Python's `_broker_status` tells them apart. `interaction_required`
 * and `account_unusable` let an interactive call go on to the broker's own sign-in window.
 */
export type BrokerStatus = 'interaction_required' | 'account_unusable' | 'user_canceled' | 'no_network' | 'redirect_uri_not_registered' | 'unexpected';

/**
 * The broker refused or failed a request (MSAL Python's `broker_error`). Thrown by a {@link Broker} implementation and
 * passed on by msal-ts when the broker's answer is decisive (see docs/design.md, "Broker seam").
 */
export class BrokerError extends MsalError {
  readonly code = 'broker_error' as const;
  readonly status: BrokerStatus;
  /** The broker's own error code and tag, for its support channel. */
  readonly brokerErrorCode: number | string | undefined;
  readonly tag: string | undefined;

  constructor(
    status: BrokerStatus,
    message: string,
    options: { brokerErrorCode?: number | string | undefined; tag?: string | undefined; correlationId?: string | undefined; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause, correlationId: options.correlationId });
    this.status = status;
    this.brokerErrorCode = options.brokerErrorCode;
    this.tag = options.tag;
  }
}

/** Why a distributed cache operation failed. */
export type DistributedCacheFailure =
  /** The store could not be reached or failed the command (Redis down, restarting, refusing). */
  | 'unavailable'
  /** The store did not answer within the operation timeout. */
  | 'timeout'
  /** Other instances kept changing the partition: the compare-and-set lost every retry. */
  | 'conflict';

/**
 * A distributed token cache could not read or write a partition. Nothing partial was written: the partition in the
 * store is either the previous one or the new one.
 */
export class DistributedCacheError extends MsalError {
  readonly code = 'distributed_cache' as const;
  /** What went wrong. */
  readonly reason: DistributedCacheFailure;

  constructor(reason: DistributedCacheFailure, message: string, options: { cause?: unknown; correlationId?: string | undefined } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/** Why a managed identity request could not be made (the endpoint's own refusals are {@link ServerError}s). */
export type ManagedIdentityErrorReason =
  /** A variable of the detected source is malformed (an endpoint that is not an http(s) URL, a bad thumbprint). */
  | 'invalid_environment'
  /** The detected source serves only the system-assigned identity (Azure Arc, Cloud Shell). */
  | 'user_assigned_not_supported'
  /** Azure Arc on a platform other than Linux and Windows: there is no trusted key-file directory. */
  | 'arc_platform_not_supported'
  /** Azure Arc's first answer had no usable `WWW-Authenticate: Basic realm=<path>` challenge. */
  | 'arc_invalid_challenge'
  /** The challenge named a file outside the agent's token directory, or not a `.key` file. */
  | 'arc_invalid_key_path'
  /** The key file is larger than 4096 bytes, or not a regular file. */
  | 'arc_invalid_key_file'
  /** The key file could not be opened or read. */
  | 'arc_key_file_unreadable'
  /**
   * The token cache is shared beyond the process (persisted, distributed): managed identity tokens are kept in memory,
   * because nothing in a shared cache can tell one service's identity from another's.
   */
  | 'shared_token_cache';

/**
 * A managed identity token could not be requested: a bad environment, an unsupported identity for the source, or an
 * Azure Arc challenge msal-ts refuses to answer. `reason` says which; messages never contain the key file's content.
 */
export class ManagedIdentityError extends MsalError {
  readonly code = 'managed_identity' as const;
  readonly reason: ManagedIdentityErrorReason;

  constructor(reason: ManagedIdentityErrorReason, message: string, options: { cause?: unknown; correlationId?: string | undefined } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/** A persistence has nothing stored yet (no file, no keyring item). A persisted cache treats it as empty. */
export class PersistenceNotFoundError extends MsalError {
  readonly code = 'persistence_not_found' as const;
  /** The file (or signal file) of the persistence. */
  readonly location: string;

  constructor(location: string, message: string) {
    super(message);
    this.location = location;
  }
}

/** Why an encrypted persistence cannot be used on this machine. */
export type PersistenceUnavailableReason =
  /** The persistence exists for another operating system (Keychain on macOS, DPAPI on Windows, libsecret on Linux). */
  | 'platform'
  /** The native library (libsecret-1.so.0, Security.framework, crypt32.dll) or the FFI module could not be loaded. */
  | 'native_library'
  /** No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset or dead), as in SSH sessions and containers. */
  | 'no_session_bus'
  /** The session bus has no Secret Service (gnome-keyring, KeePassXC, ...) or it refused the trial run. */
  | 'no_secret_service'
  /** The keyring (collection) is locked and unlocking needs a prompt that cannot be shown. */
  | 'locked';

/** An encrypted store cannot be used here. `reason` says why; the message says what to do. */
export class PersistenceUnavailableError extends MsalError {
  readonly code = 'persistence_unavailable' as const;
  readonly reason: PersistenceUnavailableReason;

  constructor(reason: PersistenceUnavailableReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.reason = reason;
  }
}

/** A persistence's file or directory could not be read or written (permissions, read-only file system, not a directory). */
export class PersistenceAccessError extends MsalError {
  readonly code = 'persistence_access' as const;
  readonly location: string;
  /** The system error code, e.g. `EACCES`, `EROFS`, `ENOTDIR`, when there was one. */
  readonly errno: string | undefined;

  constructor(location: string, message: string, options: { cause?: unknown; errno?: string | undefined } = {}) {
    super(message, options);
    this.location = location;
    this.errno = options.errno;
  }
}

/** An encrypted persistence could not encrypt or store the data (keyring refused, DPAPI failed). */
export class PersistenceEncryptionError extends MsalError {
  readonly code = 'persistence_encryption' as const;
  /** The platform's status code (OSStatus, Win32 error), when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number | undefined } = {}) {
    super(message, options);
    this.status = options.status;
  }
}

/** Stored data could not be decrypted or read back (another user's DPAPI file, a keyring that refused). */
export class PersistenceDecryptionError extends MsalError {
  readonly code = 'persistence_decryption' as const;
  /** The platform's status code (OSStatus, Win32 error), when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number | undefined } = {}) {
    super(message, options);
    this.status = options.status;
  }
}

/**
 * What kept a {@link LockTimeoutError}'s lock from being taken:
 * - `holder_alive`: the process named in the lock file runs (or some process holds flock on the file);
 * - `holder_unverifiable`: the holder cannot be checked from here (another machine or PID namespace, or a file naming
 *   no process that is younger than `staleAfterMs`), so it is never presumed dead;
 * - `not_removable`: the holder is gone, but this user may not remove its lock file (another user's file in a sticky
 *   directory, a Windows sharing violation);
 * - `unreadable`: the lock file cannot be read (another user's 0600 file), so its holder is unknown.
 */
export type LockTimeoutReason = 'holder_alive' | 'holder_unverifiable' | 'not_removable' | 'unreadable';

/** The cross-process lock was not acquired within its timeout; `reason` says what blocked it. */
export class LockTimeoutError extends MsalError {
  readonly code = 'lock_timeout' as const;
  readonly lockfilePath: string;
  /** The pid written in the lock file by its holder, when it could be read. */
  readonly holderPid: number | undefined;
  /** What blocked the lock (see {@link LockTimeoutReason}). */
  readonly reason: LockTimeoutReason;
  /** The lock file's owner (uid), when known: who can remove it, for `not_removable` and `unreadable`. */
  readonly ownerUid: number | undefined;

  constructor(lockfilePath: string, message: string, details: { holderPid: number | undefined; reason: LockTimeoutReason; ownerUid?: number | undefined }) {
    super(message);
    this.lockfilePath = lockfilePath;
    this.holderPid = details.holderPid;
    this.reason = details.reason;
    this.ownerUid = details.ownerUid;
  }
}

/** Why a `msal-ts/azure` credential could not serve a request without help. */
export type CredentialUnavailableReason =
  /** A public client has no signed-in account in its cache, and no sign-in fallback was configured. */
  | 'no_account'
  /** A public client's cache holds several accounts and none was chosen with `options.account`. */
  | 'several_accounts'
  /** The account's tokens could not be refreshed without the user (expired or revoked session, new claims). */
  | 'interaction_required'
  /** The request named a tenant the credential was not allowed to get tokens for (`additionallyAllowedTenants`). */
  | 'tenant_not_allowed'
  /** The managed identity endpoint could not be reached or is not set up for this identity. */
  | 'managed_identity_unavailable';

/**
 * A `msal-ts/azure` token credential cannot get a token here without help (no signed-in user, no reachable managed
 * identity). Its `name` is `CredentialUnavailableError`, the name by which Azure SDK's `ChainedTokenCredential` and
 * `DefaultAzureCredential` know to try their next credential. `cause` holds the underlying error, when there is one.
 */
export class CredentialUnavailableError extends MsalError {
  readonly code = 'credential_unavailable' as const;
  readonly reason: CredentialUnavailableReason;

  constructor(reason: CredentialUnavailableReason, message: string, options: { cause?: unknown; correlationId?: string | undefined } = {}) {
    super(message, options);
    this.reason = reason;
  }

  // Spelled out rather than taken from the constructor: Azure SDK code matches this exact string, and a bundler may
  // rename a class.
  override get name(): string {
    return 'CredentialUnavailableError';
  }
}

/** Every concrete error class, for `instanceof` narrowing in one place. */
export type AnyMsalError =
  | ServerError
  | InvalidResponseError
  | NetworkError
  | RequestTimeoutError
  | RequestAbortedError
  | AuthorityValidationError
  | CacheFormatError
  | InvalidCredentialError
  | LoopbackPortInUseError
  | BrowserInteractionTimeoutError
  | BrowserLaunchError
  | IdTokenError
  | StateMismatchError
  | DeviceCodeExpiredError
  | FederatedAccountNotSupportedError
  | UnsupportedOptionError
  | BrokerUnavailableError
  | BrokerError
  | DistributedCacheError
  | PersistenceNotFoundError
  | PersistenceUnavailableError
  | PersistenceAccessError
  | PersistenceEncryptionError
  | PersistenceDecryptionError
  | LockTimeoutError
  | ManagedIdentityError
  | CredentialUnavailableError;
