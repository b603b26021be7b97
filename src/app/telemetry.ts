/**
 * Server-side telemetry headers, schema 4, as every MSAL sends them: `x-client-current-telemetry` names the API and
 * why the token endpoint is being called; `x-client-last-telemetry` reports cache hits since the last request and the
 * failures of earlier requests (API id, correlation id, error), so the service can see retries. No personal data.
 */
import { ServerError } from '../errors.js';

/** MSAL's API ids (msal-python.md 2.11). */
export const API_IDS = Object.freeze({
  acquireTokenSilent: 84,
  acquireTokenByRefreshToken: 85,
  acquireTokenInteractive: 169,
  acquireTokenByUsernamePassword: 301,
  acquireTokenOnBehalfOf: 523,
  acquireTokenByDeviceFlow: 622,
  acquireTokenForClient: 730,
  acquireTokenByAuthCodeFlow: 832,
});

/** Why a token request is made: 0 not silent, 1 force refresh or claims, 2 no access token, 3 expired, 4 aging. */
export type RefreshReason = 0 | 1 | 2 | 3 | 4;

/** Which API a request belongs to, and why it goes to the network. */
export interface TelemetryTag {
  readonly apiId: number;
  readonly refreshReason: RefreshReason;
}

const LAST_HEADER_LIMIT = 350;
const GRANT_API_IDS: Readonly<Record<string, number>> = {
  client_credentials: API_IDS.acquireTokenForClient,
  refresh_token: API_IDS.acquireTokenSilent,
  password: API_IDS.acquireTokenByUsernamePassword,
  'urn:ietf:params:oauth:grant-type:jwt-bearer': API_IDS.acquireTokenOnBehalfOf,
  'urn:ietf:params:oauth:grant-type:device_code': API_IDS.acquireTokenByDeviceFlow,
  device_code: API_IDS.acquireTokenByDeviceFlow,
  authorization_code: API_IDS.acquireTokenByAuthCodeFlow,
  'urn:ietf:params:oauth:grant-type:saml1_1-bearer': API_IDS.acquireTokenByUsernamePassword,
  'urn:ietf:params:oauth:grant-type:saml2-bearer': API_IDS.acquireTokenByUsernamePassword,
};

interface Failure {
  apiId: number;
  correlationId: string;
  error: string;
}

/** The tag of a request whose flow did not say: inferred from its grant type. */
export function tagForGrant(grantType: string | undefined): TelemetryTag {
  const apiId = grantType === undefined ? 0 : (GRANT_API_IDS[grantType] ?? 0);
  return { apiId, refreshReason: apiId === API_IDS.acquireTokenSilent ? 2 : 0 };
}

/** One application's telemetry buffer: cache hits and failures not yet reported. */
export class ServerTelemetry {
  #hits = 0;
  #failures: Failure[] = [];
  #failureSize = 0;

  /** The two headers of the next request. */
  headers(tag: TelemetryTag): Record<string, string> {
    const failed = this.#failures.map((f) => `${f.apiId},${f.correlationId}`).join(',');
    const errors = this.#failures.map((f) => f.error).join(',');
    return {
      'x-client-current-telemetry': `4|${tag.apiId},${tag.refreshReason}|`,
      'x-client-last-telemetry': `4|${this.#hits}|${failed}|${errors}|`,
    };
  }

  /** An access token was served from the cache. */
  cacheHit(): void {
    this.#hits += 1;
  }

  /** A token request got an answer: a success clears the buffer, an error is remembered (within 350 characters). */
  record(tag: TelemetryTag, correlationId: string, outcome: unknown): void {
    if (outcome === undefined) {
      this.#hits = 0;
      this.#failures = [];
      this.#failureSize = 0;
      return;
    }
    // Only the server's error code is reported; local failures carry no code the service would know.
    const error = outcome instanceof ServerError ? outcome.error.replace(/[|,]/g, '_') : undefined;
    if (error === undefined) return;
    const size = `,${tag.apiId},${correlationId},${error}`.length;
    if (this.#failureSize + size >= LAST_HEADER_LIMIT) return;
    this.#failureSize += size;
    this.#failures.push({ apiId: tag.apiId, correlationId, error });
  }
}
