// Builders mirroring MSAL Python's test vectors (tests/test_token_cache.py): a fake AAD response and id token.
import type { Clock, TokenResponseEvent } from '../../src/cache/index.js';

export function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

export function buildIdToken(claims: Record<string, unknown>): string {
  return `header.${b64({ iss: 'issuer', sub: 'subject', aud: 'my_client_id', exp: 2000, iat: 1000, ...claims })}.signature`;
}

export function buildResponse(options: {
  uid?: string;
  utid?: string;
  access_token?: string;
  expires_in?: number;
  token_type?: string;
  [extra: string]: unknown;
}): Record<string, unknown> {
  const { uid, utid, access_token, expires_in = 3600, token_type = 'some type', ...rest } = options;
  const response: Record<string, unknown> = {};
  if (uid !== undefined && utid !== undefined) response['client_info'] = b64({ uid, utid });
  if (access_token !== undefined) Object.assign(response, { access_token, expires_in, token_type });
  return { ...response, ...rest };
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public current: number) {}
  now(): number {
    return this.current;
  }
}

export const AAD_ENDPOINT = 'https://login.example.com/contoso/v2/token';

/** An app-token (client credentials) event for one tenant. */
export function appTokenEvent(tenant: string, scopes: string[], secret: string, expiresIn = 3600): TokenResponseEvent {
  return {
    clientId: 'app',
    scopes,
    environment: 'login.microsoftonline.com',
    realm: tenant,
    grantType: 'client_credentials',
    response: { access_token: secret, expires_in: expiresIn, token_type: 'Bearer' },
  };
}
