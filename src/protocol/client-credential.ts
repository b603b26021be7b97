/**
 * The `clientCredential` option of a confidential client, and how it authenticates token requests.
 *
 * Everything that can be checked about a credential is checked once, when the authenticator is created, before any
 * I/O: a wrong passphrase or a key that does not match its certificate fails at construction, not at the first
 * token request in production.
 */
import { createPrivateKey, KeyObject, type X509Certificate } from 'node:crypto';
import { InvalidCredentialError } from '../errors.js';
import { base64UrlEncode } from './base64url.js';
import { certificateThumbprints, containsPemCertificate, normalizeThumbprint, parsePemCertificates, toX5c } from './certificate.js';
import { createClientAssertionSigner } from './client-assertion.js';
import type { JwtSigningAlgorithm } from './jwt.js';

/** What a {@link ClientAssertionCallback} is told about the request it signs for. */
export interface ClientAssertionContext {
  clientId: string;
  tokenEndpoint: string;
  /**
   * The federated managed identity path of the request (`acquireTokenForClient`'s `fmiPath`), so that the callback
   * can return the credential for that path; absent when the request has none. MSAL Python 1.37's `fmi_path`.
   */
  fmiPath?: string;
}

/** What a token request tells the authenticator beyond its endpoint. */
export interface AuthenticationRequest {
  /** Passed on to a `clientAssertion` callback. */
  readonly fmiPath?: string | undefined;
}

/** Returns a client assertion (a signed JWT, e.g. a federated workload identity token) for one token request. */
export type ClientAssertionCallback = (context: ClientAssertionContext) => string | Promise<string>;

/** A client secret, sent as the `client_secret` form field. */
export interface ClientSecretCredential {
  clientSecret: string;
}

/**
 * A certificate: msal-ts signs a client assertion with the private key.
 *
 * With `thumbprintSha256` (or a `publicCertificate` to compute it from) the assertion is PS256 with `x5t#S256`; with
 * only the SHA-1 `thumbprint` it is RS256 with `x5t`; on ADFS it is always RS256 with `x5t`.
 */
export interface CertificateCredential {
  /** PEM private key (PKCS#8 or PKCS#1, optionally encrypted), or a private `KeyObject`. Only RSA keys. */
  privateKey: string | KeyObject;
  /** Passphrase of an encrypted PEM `privateKey`. */
  passphrase?: string | undefined;
  /** SHA-1 thumbprint of the certificate, hex (as the Entra portal shows it). */
  thumbprint?: string | undefined;
  /** SHA-256 thumbprint of the certificate, hex. Preferred over `thumbprint` when both are given. */
  thumbprintSha256?: string | undefined;
  /** PEM with the certificate (leaf first) and optionally its chain; sent as `x5c` for subject name/issuer auth. */
  publicCertificate?: string | undefined;
}

/** A ready client assertion, sent unchanged, or a callback that supplies one per request. */
export interface ClientAssertionCredential {
  clientAssertion: string | ClientAssertionCallback;
}

/**
 * The `clientCredential` of a confidential client. A plain string is a client secret, as in MSAL Python.
 * @example
 * ```ts
 * const credential: ClientCredential = { privateKey: pem, publicCertificate: certPem };
 * ```
 */
export type ClientCredential = string | ClientSecretCredential | CertificateCredential | ClientAssertionCredential;

/** `client_assertion_type` for JWT client assertions (RFC 7523 section 2.2). */
export const CLIENT_ASSERTION_TYPE_JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Options of {@link createClientAuthenticator}. */
export interface ClientAuthenticatorOptions {
  /** Extra or overriding claims for assertions msal-ts signs (MSAL Python's `client_claims`). */
  clientClaims?: Record<string, unknown> | undefined;
  /** Clock, milliseconds since the epoch. Defaults to `Date.now`. */
  now?: (() => number) | undefined;
  /** The authority is ADFS, which only accepts RS256 with a SHA-1 `x5t`. */
  isAdfs?: boolean | undefined;
}

/** Adds client authentication to token requests. */
export interface ClientAuthenticator {
  /** Which kind of credential this is. */
  readonly kind: 'client_secret' | 'certificate' | 'client_assertion';
  /**
   * The form fields that authenticate the client at `tokenEndpoint`: `client_secret`, or `client_assertion_type`
   * and `client_assertion`.
   *
   * @throws TypeError naming `tokenEndpoint` when it is not a non-empty string.
   * @throws InvalidCredentialError when a `clientAssertion` callback returns something other than a non-empty
   *   string. Errors thrown by the callback itself propagate unchanged.
   */
  authenticate(tokenEndpoint: string, request?: AuthenticationRequest): Promise<Record<string, string>>;
}

const SECRET_KEYS = ['clientSecret'];
const CERTIFICATE_KEYS = ['privateKey', 'passphrase', 'thumbprint', 'thumbprintSha256', 'publicCertificate'];
const ASSERTION_KEYS = ['clientAssertion'];
const PYTHON_KEYS = ['private_key', 'public_certificate', 'client_assertion', 'private_key_pfx_path', 'thumbprint_sha256'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof KeyObject);
}

function checkKeys(credential: Record<string, unknown>, allowed: readonly string[], kind: string): void {
  const unknown = Object.keys(credential).filter((k) => credential[k] !== undefined && !allowed.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(`clientCredential: unknown option(s) ${unknown.join(', ')} for a ${kind}; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * Validates a `clientCredential` and returns the authenticator for it.
 *
 * @param clientId - The application (client) id.
 * @param credential - The user's `clientCredential` option; checked at run time, since it comes from configuration.
 * @param options - Client claims, clock, ADFS.
 * @returns The authenticator.
 * @throws TypeError naming `clientCredential` (or the offending field) for an unrecognised shape, unknown or
 *   snake_case options, an empty secret or assertion, thumbprints that are not hex of the right length, a
 *   `publicCertificate` that holds no certificate, a certificate credential without any thumbprint or certificate, or
 *   ADFS without a way to get the SHA-1 thumbprint.
 * @throws InvalidCredentialError when the private key is encrypted and no passphrase was given, the passphrase is
 *   wrong, the key does not parse or is not RSA, the certificate does not parse, the key does not match the
 *   certificate, or a thumbprint does not match the certificate. Messages never contain the key or passphrase.
 * @example
 * ```ts
 * const auth = createClientAuthenticator(clientId, { privateKey: keyPem, publicCertificate: certPem });
 * const fields = await auth.authenticate('https://login.microsoftonline.com/contoso/oauth2/v2.0/token');
 * ```
 */
export function createClientAuthenticator(clientId: string, credential: ClientCredential, options: ClientAuthenticatorOptions = {}): ClientAuthenticator {
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new TypeError('clientId must be a non-empty string');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('now must be a function');
  if (options.clientClaims !== undefined && !isPlainObject(options.clientClaims)) {
    throw new TypeError('clientClaims must be an object');
  }
  const value: unknown = credential;

  if (typeof value === 'string') return secretAuthenticator(value);
  if (!isPlainObject(value)) {
    throw new TypeError('clientCredential must be a client secret string, { clientSecret }, { privateKey, ... } or { clientAssertion }');
  }
  const python = PYTHON_KEYS.filter((k) => k in value);
  if (python.length > 0) {
    throw new TypeError(
      `clientCredential uses MSAL Python's key(s) ${python.join(', ')}: msal-ts uses camelCase ` +
        '(privateKey, publicCertificate, thumbprintSha256, clientAssertion); PFX files are not supported, convert to PEM',
    );
  }
  const kinds = ['clientSecret', 'privateKey', 'clientAssertion'].filter((k) => value[k] !== undefined);
  if (kinds.length !== 1) {
    throw new TypeError(
      kinds.length === 0
        ? 'clientCredential must have one of clientSecret, privateKey or clientAssertion'
        : `clientCredential must have only one of ${kinds.join(', ')}`,
    );
  }
  if (kinds[0] === 'clientSecret') {
    checkKeys(value, SECRET_KEYS, 'client secret');
    return secretAuthenticator(value.clientSecret);
  }
  if (kinds[0] === 'clientAssertion') {
    checkKeys(value, ASSERTION_KEYS, 'client assertion');
    return assertionAuthenticator(clientId, value.clientAssertion);
  }
  checkKeys(value, CERTIFICATE_KEYS, 'certificate');
  return certificateAuthenticator(clientId, value, { ...options, now });
}

function secretAuthenticator(secret: unknown): ClientAuthenticator {
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new TypeError('clientCredential: the client secret must be a non-empty string');
  }
  return {
    kind: 'client_secret',
    authenticate: (tokenEndpoint) =>
      settle(() => {
        checkTokenEndpoint(tokenEndpoint);
        return { client_secret: secret };
      }),
  };
}

function assertionAuthenticator(clientId: string, assertion: unknown): ClientAuthenticator {
  if (typeof assertion === 'string') {
    if (assertion.length === 0) throw new TypeError('clientCredential.clientAssertion must not be empty');
    return {
      kind: 'client_assertion',
      authenticate: (tokenEndpoint) =>
        settle(() => {
          checkTokenEndpoint(tokenEndpoint);
          return { client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: assertion };
        }),
    };
  }
  if (typeof assertion !== 'function') {
    throw new TypeError('clientCredential.clientAssertion must be a string or a function');
  }
  const callback = assertion as ClientAssertionCallback;
  return {
    kind: 'client_assertion',
    authenticate: async (tokenEndpoint, request) => {
      checkTokenEndpoint(tokenEndpoint);
      const context: ClientAssertionContext = { clientId, tokenEndpoint };
      if (request?.fmiPath !== undefined) context.fmiPath = request.fmiPath;
      const result: unknown = await callback(context);
      if (typeof result !== 'string' || result.length === 0) {
        throw new InvalidCredentialError(
          `the clientAssertion callback returned ${typeof result === 'string' ? 'an empty string' : typeof result}, not a non-empty string`,
        );
      }
      return { client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: result };
    },
  };
}

/** Runs `fn` into a promise, so a throw becomes a rejection like every other failure of `authenticate`. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

function checkTokenEndpoint(tokenEndpoint: unknown): void {
  if (typeof tokenEndpoint !== 'string' || tokenEndpoint.length === 0) {
    throw new TypeError('tokenEndpoint must be a non-empty string');
  }
}

function loadPrivateKey(privateKey: unknown, passphrase: string | undefined): KeyObject {
  if (privateKey instanceof KeyObject) {
    if (privateKey.type !== 'private') {
      throw new TypeError('clientCredential.privateKey must be a private key, got a ' + privateKey.type + ' key');
    }
    return privateKey;
  }
  if (typeof privateKey !== 'string' || privateKey.length === 0) {
    throw new TypeError('clientCredential.privateKey must be a PEM string or a private KeyObject');
  }
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new InvalidCredentialError(
      containsPemCertificate(privateKey)
        ? 'clientCredential.privateKey holds a certificate but no private key'
        : 'clientCredential.privateKey holds no PEM private key',
    );
  }
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(privateKey);
  if (encrypted && passphrase === undefined) {
    throw new InvalidCredentialError('clientCredential.privateKey is encrypted and no passphrase was given');
  }
  try {
    return createPrivateKey({ key: privateKey, format: 'pem', passphrase });
  } catch (cause) {
    // OpenSSL's error text names the failing routine only, never key material, so it is safe as the cause.
    throw new InvalidCredentialError(
      encrypted
        ? 'clientCredential.passphrase is wrong: the private key could not be decrypted'
        : 'clientCredential.privateKey does not parse as a PEM private key',
      { cause },
    );
  }
}

/** The thumbprints the credential names, and its certificate when it has one. */
interface CertificateIdentity {
  sha1: string | undefined;
  sha256: string | undefined;
  leaf: X509Certificate | undefined;
}

/** Refuses a non-RSA key, and a key or thumbprint that does not belong to the certificate. */
function checkKeyAgainstCertificate(key: KeyObject, { sha1, sha256, leaf }: CertificateIdentity): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InvalidCredentialError(`clientCredential.privateKey is a ${key.asymmetricKeyType ?? 'unknown'} key; only RSA keys are supported`);
  }
  if (leaf === undefined) return;
  if (!leaf.checkPrivateKey(key)) {
    throw new InvalidCredentialError('clientCredential.privateKey does not match the certificate');
  }
  const actual = certificateThumbprints(leaf);
  if (sha1 !== undefined && sha1 !== actual.sha1) {
    throw new InvalidCredentialError(`clientCredential.thumbprint does not match the certificate, whose SHA-1 thumbprint is ${actual.sha1.toUpperCase()}`);
  }
  if (sha256 !== undefined && sha256 !== actual.sha256) {
    throw new InvalidCredentialError(
      `clientCredential.thumbprintSha256 does not match the certificate, whose SHA-256 thumbprint is ${actual.sha256.toUpperCase()}`,
    );
  }
}

/** The assertion's algorithm and its header's certificate fields (x5t or x5t#S256, and x5c for a given chain). */
function assertionHeader(
  isAdfs: boolean,
  { sha1, sha256, leaf }: CertificateIdentity,
  chain: X509Certificate[] | undefined,
): { alg: JwtSigningAlgorithm; header: Record<string, unknown> } {
  let alg: JwtSigningAlgorithm;
  const header: Record<string, unknown> = {};
  const leafThumbprints = leaf === undefined ? undefined : certificateThumbprints(leaf);
  // An explicit SHA-1 thumbprint keeps RS256 (as MSAL Python); a certificate alone gets the SHA-256 path.
  const useSha1 = isAdfs || (sha256 === undefined && sha1 !== undefined);
  if (useSha1) {
    alg = 'RS256';
    const hex = sha1 ?? leafThumbprints?.sha1;
    if (hex === undefined) throw new TypeError('clientCredential: no SHA-1 thumbprint available'); // ruled out above
    header.x5t = base64UrlEncode(Buffer.from(hex, 'hex'));
  } else {
    alg = 'PS256';
    const hex = sha256 ?? leafThumbprints?.sha256;
    if (hex === undefined) throw new TypeError('clientCredential: no SHA-256 thumbprint available'); // ruled out above
    header['x5t#S256'] = base64UrlEncode(Buffer.from(hex, 'hex'));
  }
  if (chain !== undefined) header.x5c = toX5c(chain);
  return { alg, header };
}

function certificateAuthenticator(
  clientId: string,
  credential: Record<string, unknown>,
  options: ClientAuthenticatorOptions & { now: () => number },
): ClientAuthenticator {
  // Shape checks (TypeError) first, then the checks that need crypto (InvalidCredentialError).
  const { passphrase, publicCertificate, privateKey } = credential;
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    throw new TypeError('clientCredential.passphrase must be a string');
  }
  const sha1 = credential.thumbprint === undefined ? undefined : normalizeThumbprint(credential.thumbprint, 20, 'clientCredential.thumbprint');
  const sha256 =
    credential.thumbprintSha256 === undefined ? undefined : normalizeThumbprint(credential.thumbprintSha256, 32, 'clientCredential.thumbprintSha256');
  const chain = publicCertificate === undefined ? undefined : parsePemCertificates(publicCertificate, 'clientCredential.publicCertificate');
  // A combined PEM (key + certificate, as many tools write) identifies the certificate without a second option.
  const embedded =
    chain === undefined && typeof privateKey === 'string' && containsPemCertificate(privateKey)
      ? parsePemCertificates(privateKey, 'clientCredential.privateKey')
      : undefined;
  const leaf: X509Certificate | undefined = (chain ?? embedded)?.[0];
  if (sha1 === undefined && sha256 === undefined && leaf === undefined) {
    throw new TypeError('clientCredential needs thumbprintSha256, thumbprint or publicCertificate besides privateKey');
  }
  if (options.isAdfs === true && sha1 === undefined && leaf === undefined) {
    throw new TypeError('clientCredential: ADFS needs the SHA-1 thumbprint; give thumbprint or publicCertificate, not only thumbprintSha256');
  }

  const key = loadPrivateKey(privateKey, passphrase);
  checkKeyAgainstCertificate(key, { sha1, sha256, leaf });
  const { alg, header } = assertionHeader(options.isAdfs === true, { sha1, sha256, leaf }, chain);
  const sign = createClientAssertionSigner({ clientId, key, alg, header, clientClaims: options.clientClaims, now: options.now });
  return {
    kind: 'certificate',
    authenticate: (tokenEndpoint) =>
      settle(() => {
        checkTokenEndpoint(tokenEndpoint);
        return { client_assertion_type: CLIENT_ASSERTION_TYPE_JWT_BEARER, client_assertion: sign(tokenEndpoint) };
      }),
  };
}
