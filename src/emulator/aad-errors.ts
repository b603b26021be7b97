/**
 * Entra-style error bodies: `error`, an `error_description` that starts with the AADSTS code and ends with the trace
 * id, correlation id and timestamp lines, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`.
 * Grant handlers throw an {@link AadFailure}; the endpoint turns it into the response.
 */
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './http.js';

/** What an Entra error consists of, before the per-request fields are added. */
export interface AadErrorSpec {
  /** HTTP status; 400 unless said otherwise (invalid_client is 401). */
  status: number;
  error: string;
  code: number;
  message: string;
  suberror?: string;
  claims?: string;
}

/** Thrown inside the emulator to end a request with an Entra error. Never escapes the emulator. */
export class AadFailure extends Error {
  constructor(readonly spec: AadErrorSpec) {
    super(`AADSTS${spec.code}: ${spec.message}`);
  }
}

/** Builds an {@link AadFailure}; the status follows the error: 401 for invalid_client, 400 otherwise. */
export function aad(error: string, code: number, message: string, extra: { status?: number; suberror?: string } = {}): AadFailure {
  return new AadFailure({ status: extra.status ?? (error === 'invalid_client' ? 401 : 400), error, code, message, ...extra });
}

/** Entra's timestamp format, e.g. `2026-11-22 10:15:03Z`. */
export function aadTimestamp(nowSeconds: number): string {
  return new Date(Math.floor(nowSeconds) * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Renders an error spec as the JSON response Entra would send for `req`. */
export function aadErrorResponse(req: EmulatorRequest, spec: AadErrorSpec, nowSeconds: number, baseUrl: string): EmulatorResponse {
  const timestamp = aadTimestamp(nowSeconds);
  const body: Record<string, unknown> = {
    error: spec.error,
    error_description: `AADSTS${spec.code}: ${spec.message}\r\nTrace ID: ${req.traceId}\r\nCorrelation ID: ${req.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [spec.code],
    timestamp,
    trace_id: req.traceId,
    correlation_id: req.correlationId,
    error_uri: `${baseUrl}/error?code=${spec.code}`,
  };
  if (spec.suberror !== undefined) body.suberror = spec.suberror;
  if (spec.claims !== undefined) body.claims = spec.claims;
  return jsonResponse(spec.status, body);
}

/** The errors the emulator produces, with Entra's codes and wording. */
export const AADSTS = {
  missingParameter: (name: string) => aad('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unknownTenant: (tenant: string, error = 'invalid_request') =>
    aad(
      error,
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  invalidInstance: () => aad('invalid_instance', 50049, 'Unknown or invalid instance.'),
  noTenantInformation: () =>
    aad('invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.'),
  unknownClient: (clientId: string, tenantName: string) =>
    aad(
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  notMultiTenant: (clientId: string, name: string) =>
    aad(
      'invalid_request',
      50194,
      `Application '${clientId}'(${name}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  invalidSecret: (clientId: string) =>
    aad(
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    ),
  credentialRequired: () => aad('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  publicClientWithCredential: () => aad('invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  badAssertion: (reason: string) => aad('invalid_client', 700027, `Client assertion failed signature validation. [Reason - ${reason}]`),
  assertionKeyNotFound: (thumbprint: string) =>
    aad(
      'invalid_client',
      700027,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id.]`,
    ),
  assertionTimeRange: (now: string, nbf: string, exp: string) =>
    aad(
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${now}, assertion valid from ${nbf}, expiry time of assertion ${exp}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
    ),
  assertionIssuer: () =>
    aad(
      'invalid_client',
      700021,
      "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .",
    ),
  malformedJwt: () => aad('invalid_request', 50027, 'JWT token is invalid or malformed.'),
  assertionType: () =>
    aad(
      'invalid_request',
      7000219,
      "'client_assertion_type' must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' when 'client_assertion' is sent.",
    ),
  publicFlowsDisabled: () => aad('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  invalidPassword: () => aad('invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  userNotFound: (tenantName: string) =>
    aad(
      'invalid_grant',
      50034,
      `The user account {EUII Hidden} does not exist in the ${tenantName} directory. To sign into this application, the account must be added to the directory.`,
    ),
  userNotInTenant: (tenantId: string, clientId: string) =>
    aad(
      'invalid_grant',
      50020,
      `User account '{EUII Hidden}' from identity provider 'live.com' does not exist in tenant '${tenantId}' and cannot access the application '${clientId}' in that tenant. The account needs to be added as an external user in the tenant first.`,
    ),
  codeExpired: () =>
    aad(
      'invalid_grant',
      70008,
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  codeRedeemed: () =>
    aad('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  malformedGrant: () => aad('invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  grantForOtherClient: () => aad('invalid_grant', 70000, 'Provided grant is invalid or malformed. The grant was issued to a different client.'),
  /** A family refresh token redeemed by an app outside the family: Entra says so with `suberror: client_mismatch`. */
  familyClientMismatch: () =>
    aad('invalid_grant', 70000, 'Provided grant is invalid or malformed. The client is not a member of the family of the refresh token.', {
      suberror: 'client_mismatch',
    }),
  grantForOtherTenant: () => aad('invalid_grant', 700005, 'Provided Authorization Code is intended to use against other tenant, thus rejected.'),
  pkceMismatch: () => aad('invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  redirectMismatch: (sent: string, original: string) =>
    aad('invalid_grant', 500112, `The reply address '${sent}' does not match the reply address '${original}' provided when requesting Authorization code.`),
  refreshTokenInvalid: () => aad('invalid_grant', 70000, 'Provided grant is invalid or malformed.'),
  refreshTokenExpired: (issued: string, inactive: string) =>
    aad('invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${issued} and was inactive for ${inactive}.`),
  refreshTokenRevoked: () =>
    aad(
      'invalid_grant',
      50173,
      'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
      { suberror: 'bad_token' },
    ),
  unsupportedGrant: (grant: string) => aad('unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  invalidScope: (scope: string) =>
    aad('invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope '${scope}' is not valid.`),
  clientCredentialScope: (scope: string) =>
    aad(
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  multipleResources: (scope: string) =>
    aad(
      'invalid_scope',
      28000,
      `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scope} is not valid.`,
    ),
  unknownResource: (resource: string, tenantName: string) =>
    aad(
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  scopeNotExposed: (clientName: string, scope: string, resourceName: string) =>
    aad(
      'invalid_scope',
      650053,
      `The application '${clientName}' asked for scope '${scope}' that doesn't exist on the resource '${resourceName}'. Contact the app vendor.`,
    ),
  authorizationPending: () => aad('authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  slowDown: () => aad('slow_down', 70016, 'OAuth 2.0 device flow error. The client is polling too frequently; wait the interval before polling again.'),
  deviceCodeExpired: () => aad('expired_token', 70020, "The provided value for the input parameter 'device_code' is not valid. This device code has expired."),
  deviceCodeDenied: () => aad('access_denied', 65004, 'User declined to consent to access the app.'),
  oboSignature: (reason: string) => aad('invalid_grant', 50013, `Assertion failed signature validation. [Reason - ${reason}]`),
  oboExpired: () =>
    aad(
      'invalid_grant',
      500133,
      'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token.',
    ),
  oboAudience: (aud: string, expected: string) =>
    aad(
      'invalid_grant',
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${aud}' and the expected audience is '${expected}' or one of the Application Id URIs of this web API application.`,
    ),
  redirectNotRegistered: (uri: string, clientId: string) =>
    aad(
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    ),
  unsupportedResponseType: (type: string) => aad('unsupported_response_type', 700054, `response_type '${type}' is not supported by this emulator; use 'code'.`),
  consentDeclined: () => aad('access_denied', 65004, 'User declined to consent to access the app.'),
  consentRequired: (clientId: string, name: string) =>
    aad(
      'consent_required',
      65001,
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${name}'. Send an interactive authorization request for this user and resource.`,
    ),
  loginRequired: () => aad('login_required', 50058, 'A silent sign-in request was sent but no user is signed in.'),
  invalidRequest: (message: string) => aad('invalid_request', 900144, message),
} as const;
