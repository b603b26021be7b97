/**
 * What happens once a token request has an outcome, whatever the flow: the lifetime check that keeps a token of
 * unknown lifetime out of the cache, the telemetry buffer, and the log lines (personal data masked, credentials never logged).
 */
import { InvalidResponseError, MsalError, ServerError } from '../errors.js';
import type { LogSink } from '../logger.js';
import type { TokenRequestBody } from '../protocol/token-request.js';
import type { TokenResponse } from '../protocol/token-response.js';
import type { ServerTelemetry, TelemetryTag } from './telemetry.js';

/** What {@link finishTokenRequest} needs besides the outcome. */
export interface TokenOutcomeContext {
  readonly telemetry: ServerTelemetry;
  readonly tag: TelemetryTag;
  readonly log: LogSink;
  readonly ctx: { readonly correlationId: string };
  readonly body: TokenRequestBody;
}

/**
 * Awaits a token request, records it, and checks that the token's lifetime is known.
 *
 * @returns the parsed response.
 * @throws what the request threw; InvalidResponseError when a success names neither `expires_in` nor `expires_on`
 *   (a guessed lifetime could serve an expired token from the cache, so none is guessed).
 */
export async function finishTokenRequest(outcome: Promise<TokenResponse>, c: TokenOutcomeContext): Promise<TokenResponse> {
  const { log, ctx, body, tag } = c;
  const correlationId = ctx.correlationId;
  if (log.enabled('verbose')) {
    log.verbose('token request', {
      correlationId,
      grantType: body.grant_type,
      apiId: tag.apiId,
      scope: body.scope,
      username: log.pii(body.username),
      claims: log.pii(body.claims),
    });
  }
  let response: TokenResponse;
  try {
    response = await outcome;
  } catch (err) {
    c.telemetry.record(tag, correlationId, err);
    log.warning('token request failed', {
      correlationId,
      grantType: body.grant_type,
      code: err instanceof MsalError ? err.code : 'unexpected',
      error: err instanceof ServerError ? err.error : undefined,
      status: err instanceof ServerError || err instanceof InvalidResponseError ? err.status : undefined,
    });
    throw err;
  }
  if (typeof response.expires_in !== 'number' && typeof response.expires_on !== 'number') {
    const err = new InvalidResponseError('token response', 'neither expires_in nor expires_on: the token lifetime is unknown', {
      status: 200,
      correlationId,
    });
    c.telemetry.record(tag, correlationId, err);
    log.warning('token response without a lifetime refused', { correlationId, grantType: body.grant_type });
    throw err;
  }
  c.telemetry.record(tag, correlationId, undefined);
  log.info('token received', {
    correlationId,
    grantType: body.grant_type,
    expiresIn: response.expires_in,
    // Credentials are never logged, not even with PII logging on: only whether they came.
    refreshToken: response.refresh_token !== undefined,
    idToken: response.id_token !== undefined,
  });
  return response;
}
