/**
 * The device code flow (RFC 8628), as MSAL Python's `initiate_device_flow` / `acquire_token_by_device_flow`: the first
 * call gets a user code to show; the second polls every `interval` seconds (5 more after each `slow_down`) until the
 * user signs in elsewhere, the code expires, the exit condition says stop, or the signal aborts. Waiting goes through
 * the app's injectable `sleep`, in steps of one second so the exit condition is checked as often as MSAL Python does.
 */
import { DeviceCodeExpiredError, InvalidResponseError, ServerError } from '../errors.js';
import { parseDeviceAuthorizationResponse, type DeviceAuthorizationResponse } from '../protocol/device-code.js';
import { scopeToWire } from '../protocol/scopes.js';
import { buildDeviceCodeRequest, GRANT_TYPE_DEVICE_CODE } from '../protocol/token-request.js';
import type { AppCore } from './app-core.js';
import type { AuthenticationResult } from './authentication-result.js';
import { checkData, type TokenRequestData } from './extra-data.js';

/**
 * A device flow: the server's device authorization response plus `expires_at` (epoch seconds) and the scopes and
 * correlation id of the request. Show `message` (or `verification_uri` and `user_code`) to the user. Polling updates
 * `interval`; setting `expires_at` to 0 stops polling, as in MSAL Python.
 */
export interface DeviceFlow extends DeviceAuthorizationResponse {
  /** When the codes expire, in epoch seconds (added by msal-ts, as by MSAL Python). */
  expires_at: number;
  /** The scopes requested (with the OIDC scopes added). */
  scope: readonly string[];
  /** The `client-request-id` of the flow; polls reuse it. */
  correlation_id: string;
}

/** Options of `initiateDeviceFlow`. */
export interface InitiateDeviceFlowOptions {
  correlationId?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** Options of `acquireTokenByDeviceFlow`. */
export interface AcquireTokenByDeviceFlowOptions {
  /** Checked before every second of waiting; `true` stops polling (DeviceCodeExpiredError). Default: `expires_at` passed. */
  exitCondition?: ((flow: DeviceFlow) => boolean) | undefined;
  /** Stops polling (RequestAbortedError). */
  signal?: AbortSignal | undefined;
  /** A claims challenge (JSON) from a resource. */
  claimsChallenge?: string | undefined;
  /** Extra token request fields (MSAL Python's `data`), e.g. `{ token_type: 'ssh-cert', req_cnf, key_id }`. */
  data?: TokenRequestData | undefined;
}

const RETRIABLE = new Set(['authorization_pending', 'slow_down']);

/** Starts a device flow: POSTs to the authority's device authorization endpoint. */
export async function initiateDeviceFlow(core: AppCore, scopes: readonly string[], options: InitiateDeviceFlowOptions = {}): Promise<DeviceFlow> {
  const decorated = core.decorate(scopes);
  const ctx = core.context(options);
  const metadata = await core.metadataFor(core.authority, ctx);
  const endpoint = metadata.device_authorization_endpoint;
  if (endpoint === undefined) {
    throw new InvalidResponseError('OIDC discovery document', 'no device_authorization_endpoint: this authority does not offer the device code flow');
  }
  const body = new URLSearchParams({ client_id: core.clientId, scope: scopeToWire(decorated) });
  for (const [name, value] of Object.entries((await core.clientAuthentication(metadata.token_endpoint)) ?? {})) body.set(name, value);
  const response = await core.http.send({
    method: 'POST',
    url: endpoint,
    headers: {
      ...core.headers,
      'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
      'client-request-id': ctx.correlationId,
    },
    body: body.toString(),
    signal: ctx.signal,
  });
  const parsed = parseDeviceAuthorizationResponse(response, ctx.correlationId);
  return {
    ...parsed,
    expires_at: core.now() / 1000 + parsed.expires_in,
    scope: Object.freeze(decorated),
    correlation_id: ctx.correlationId,
  };
}

function checkFlow(flow: unknown): DeviceFlow {
  if (typeof flow !== 'object' || flow === null) throw new TypeError('flow must be the object initiateDeviceFlow returned');
  const f = flow as Record<string, unknown>;
  if (typeof f['device_code'] !== 'string' || f['device_code'] === '')
    throw new TypeError('flow.device_code is missing: pass the object initiateDeviceFlow returned');
  if (!Array.isArray(f['scope'])) throw new TypeError('flow.scope is missing: pass the object initiateDeviceFlow returned');
  return flow as DeviceFlow;
}

/** Polls until the user signs in; see the module notes. */
export async function acquireTokenByDeviceFlow(
  core: AppCore,
  flowInput: DeviceFlow,
  options: AcquireTokenByDeviceFlowOptions = {},
): Promise<AuthenticationResult> {
  const flow = checkFlow(flowInput);
  const exitCondition = options.exitCondition ?? ((f: DeviceFlow) => f.expires_at < core.now() / 1000);
  if (typeof exitCondition !== 'function') throw new TypeError('options.exitCondition must be a function');
  const claims = core.claims(options.claimsChallenge);
  const extra = checkData(options.data);
  const ctx = core.context({ correlationId: flow.correlation_id, signal: options.signal });
  const target = core.targetFor({});
  const metadata = await core.metadataFor(target.authority, ctx);
  for (;;) {
    const body = buildDeviceCodeRequest({
      clientId: core.clientId,
      deviceCode: flow.device_code,
      claims,
      clientAuthentication: await core.clientAuthentication(metadata.token_endpoint),
      data: extra.fields,
    });
    let pending: ServerError;
    try {
      return await core.redeem(target, metadata, body, ctx, { grantType: GRANT_TYPE_DEVICE_CODE, scopes: flow.scope, keyId: extra.keyId });
    } catch (err) {
      if (!(err instanceof ServerError) || !RETRIABLE.has(err.error)) throw err;
      pending = err;
    }
    if (pending.error === 'slow_down') flow.interval = (flow.interval > 0 ? flow.interval : 5) + 5;
    const interval = flow.interval > 0 ? flow.interval : 1;
    for (let i = 0; i < interval; i++) {
      if (exitCondition(flow)) {
        throw new DeviceCodeExpiredError('the device code expired (or the exit condition said stop) before the user signed in', {
          cause: pending,
          correlationId: ctx.correlationId,
        });
      }
      await core.sleep(1000, ctx.signal);
    }
  }
}
