// A broker stand-in for the seam's tests (not shipped): records every call with its request, and answers as each test
// scripts it. Its tokens look like a broker's: a Bearer (or pop) token, an unsigned id token with its claims decoded,
// client_info and the broker's own account id.
import { BrokerError, type BrokerStatus } from '../../src/errors.js';
import type { Broker, BrokerInteractiveRequest, BrokerSignInRequest, BrokerSignOutRequest, BrokerSilentRequest, BrokerTokenResponse } from '../../src/index.js';

export const TENANT = 'aaaabbbb-0000-cccc-1111-dddd2222eeee';
export const AUTHORITY = `https://login.microsoftonline.com/${TENANT}`;
export const CLIENT_ID = '22223333-cccc-4444-dddd-5555eeee6666';

export interface User {
  readonly uid: string;
  readonly username: string;
  /** The broker's id of the account (WAM's is not the oid). */
  readonly brokerAccountId: string;
}

export const ALICE: User = { uid: 'alice-oid', username: 'alice@contoso.example', brokerAccountId: 'wam-account-alice' };
export const BOB: User = { uid: 'bob-oid', username: 'bob@contoso.example', brokerAccountId: 'wam-account-bob' };

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

let issued = 0;

/** A token response as a broker returns one, for `user`; `pop` when the request asked for proof-of-possession. */
export function brokerToken(user: User, request: { scopes: readonly string[]; authScheme?: unknown }): BrokerTokenResponse {
  issued += 1;
  const claims = {
    aud: CLIENT_ID,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    tid: TENANT,
    oid: user.uid,
    sub: `sub-${user.uid}`,
    preferred_username: user.username,
    iat: 1_700_000_000,
    exp: 4_000_000_000,
  };
  const pop = request.authScheme !== undefined;
  return {
    access_token: `${pop ? 'signed-http-request' : 'broker-at'}-${issued}`,
    token_type: pop ? 'pop' : 'Bearer',
    expires_in: 3600,
    id_token: `${b64url({ alg: 'none' })}.${b64url(claims)}.`,
    id_token_claims: claims,
    client_info: b64url({ uid: user.uid, utid: TENANT }),
    account_id: user.brokerAccountId,
    scope: request.scopes.join(' '),
  };
}

export type Call =
  | { readonly method: 'signInInteractively'; readonly request: BrokerInteractiveRequest }
  | { readonly method: 'signInSilently'; readonly request: BrokerSignInRequest }
  | { readonly method: 'acquireTokenSilently'; readonly request: BrokerSilentRequest }
  | { readonly method: 'signOutSilently'; readonly request: BrokerSignOutRequest };

/** A broker whose every answer a test can script; by default it signs ALICE in and knows her account. */
export class FakeBroker implements Broker {
  readonly calls: Call[] = [];
  initializations = 0;
  interactive: (r: BrokerInteractiveRequest) => Promise<BrokerTokenResponse> = (r) => Promise.resolve(brokerToken(ALICE, r));
  windowless: (r: BrokerSignInRequest) => Promise<BrokerTokenResponse> = (r) => Promise.resolve(brokerToken(ALICE, r));
  silently: (r: BrokerSilentRequest) => Promise<BrokerTokenResponse | undefined> = (r) =>
    Promise.resolve([ALICE, BOB].find((u) => u.brokerAccountId === r.accountId) === undefined ? undefined : brokerToken(ALICE, r));
  signOut: (r: BrokerSignOutRequest) => Promise<void> = () => Promise.resolve();

  initialize?: () => Promise<boolean>;

  constructor(options: { ready?: boolean } = {}) {
    if (options.ready !== undefined) {
      this.initialize = () => {
        this.initializations += 1;
        return Promise.resolve(options.ready === true);
      };
    }
  }

  signInInteractively(request: BrokerInteractiveRequest): Promise<BrokerTokenResponse> {
    this.calls.push({ method: 'signInInteractively', request });
    return this.interactive(request);
  }

  signInSilently(request: BrokerSignInRequest): Promise<BrokerTokenResponse> {
    this.calls.push({ method: 'signInSilently', request });
    return this.windowless(request);
  }

  acquireTokenSilently(request: BrokerSilentRequest): Promise<BrokerTokenResponse | undefined> {
    this.calls.push({ method: 'acquireTokenSilently', request });
    return this.silently(request);
  }

  signOutSilently(request: BrokerSignOutRequest): Promise<void> {
    this.calls.push({ method: 'signOutSilently', request });
    return this.signOut(request);
  }

  /** The methods called, in order. */
  methods(): string[] {
    return this.calls.map((c) => c.method);
  }
}

/** A broker refusal with `status`, as an implementation reports one. */
export function refusal(status: BrokerStatus): Promise<never> {
  return Promise.reject(new BrokerError(status, `the broker said ${status}`, { brokerErrorCode: 42, tag: 'test-tag' }));
}
