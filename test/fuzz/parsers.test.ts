// Property-based fuzzing of every parser that takes untrusted input: whatever the input, each returns or throws one
// of its documented, typed errors (never a TypeError from inside, a SyntaxError, a RangeError from a regex, a hang).
// The test command runs a few hundred cases per property; `npm run fuzz` and `npm run fuzz -- --long` run many more
// (budget.ts).
// A crash found here becomes a named regression test in the "regressions" block below.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fuzz, runs } from './budget.js';
import { CacheFormatError, IdTokenError, InvalidResponseError, MsalError, ServerError, AuthorityValidationError } from '../../src/errors.js';
import { parseAuthority } from '../../src/authority/authority.js';
import { resolveAuthorityMetadata } from '../../src/authority/discovery.js';
import { parseJwks } from '../../src/authority/jwks.js';
import { mergeClaims } from '../../src/app/claims.js';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import type { HttpResponse } from '../../src/http/http-client.js';
import { parseManagedIdentityResponse } from '../../src/managed-identity/token-response.js';
import { decodeClientInfo } from '../../src/protocol/client-info.js';
import { parseDeviceAuthorizationResponse } from '../../src/protocol/device-code.js';
import { validateIdToken } from '../../src/protocol/id-token.js';
import { decodeJwt } from '../../src/protocol/jwt.js';
import { parseRetryAfter } from '../../src/http/retry-after.js';
import { parseTokenResponse } from '../../src/protocol/token-response.js';
import { claimsChallengeFrom, parseWwwAuthenticate } from '../../src/protocol/www-authenticate.js';

/** Pure, fast parsers. */
const CHEAP = { ci: 150, fuzz: 20_000, long: 70_000 } as const;
/** Parsers behind a promise (discovery through a fake transport, id tokens). */
const ASYNC = { ci: 150, fuzz: 3000, long: 30_000 } as const;

const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** JSON-ish values shaped like what the parsers expect, with every field possibly of the wrong type. */
const anyValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const tokenFields = fc.record(
  {
    access_token: anyValue,
    token_type: anyValue,
    expires_in: fc.oneof(anyValue, fc.constant('3600'), fc.constant(-1)),
    ext_expires_in: anyValue,
    refresh_in: anyValue,
    expires_on: anyValue,
    refresh_token: anyValue,
    id_token: anyValue,
    client_info: anyValue,
    scope: anyValue,
    foci: anyValue,
    error: fc.oneof(anyValue, fc.constant('invalid_grant')),
    error_description: anyValue,
    error_codes: fc.oneof(anyValue, fc.array(fc.integer())),
    suberror: anyValue,
  },
  { requiredKeys: [] },
);
/** Bodies: arbitrary text, arbitrary JSON, and token-shaped JSON, plus truncations of them. */
const body = fc.oneof(
  fc.string(),
  fc.json(),
  tokenFields.map((o) => JSON.stringify(o)),
  fc
    .tuple(
      tokenFields.map((o) => JSON.stringify(o)),
      fc.nat(),
    )
    .map(([s, n]) => s.slice(0, n % (s.length + 1))),
  fc.constant('<html><body>502 Bad Gateway</body></html>'),
);
const response = fc.record({
  status: fc.oneof(fc.constantFrom(200, 400, 401, 404, 429, 500, 503), fc.integer({ min: 100, max: 599 })),
  headers: fc.record({ 'retry-after': fc.oneof(fc.string(), fc.nat().map(String)), 'client-request-id': fc.uuid() }, { requiredKeys: [] }),
  body,
}) as fc.Arbitrary<HttpResponse>;

/** Runs `fn`; passes when it returns or throws one of `allowed`. */
function only(allowed: ReadonlyArray<abstract new (...args: never[]) => Error>, fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(
      allowed.some((C) => err instanceof C),
      `unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    );
  }
}

async function onlyAsync(allowed: ReadonlyArray<abstract new (...args: never[]) => Error>, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(
      allowed.some((C) => err instanceof C),
      `unexpected ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`,
    );
  }
}

/** Three dot-separated segments: base64url JSON headers and payloads of any shape, or raw junk. */
const jwtLike = fc.oneof(
  fc.string(),
  fc
    .tuple(
      fc.oneof(fc.json(), fc.constant('{"alg":"RS256","kid":"k"}')),
      fc.oneof(
        fc.json(),
        tokenFields.map((o) => JSON.stringify(o)),
      ),
      fc.string(),
    )
    .map(([h, p, s]) => `${b64url(h)}.${b64url(p)}.${b64url(s)}`),
  fc.array(fc.base64String(), { minLength: 1, maxLength: 5 }).map((parts) => parts.join('.')),
);

describe(`fuzzing the parsers of untrusted input (${runs(CHEAP)} runs each, ${runs(ASYNC)} for the async ones)`, () => {
  it('token responses: a TokenResponse, ServerError or InvalidResponseError', async () => {
    await fuzz(
      'token-response',
      fc.property(response, (res) => {
        only([ServerError, InvalidResponseError], () => {
          const parsed = parseTokenResponse(res, { now: () => 0 });
          assert.equal(typeof parsed.access_token, 'string');
          assert.ok(parsed.expires_in === undefined || (typeof parsed.expires_in === 'number' && parsed.expires_in >= 0));
        });
      }),
      CHEAP,
    );
  });

  it('JWTs: decodeJwt returns an object payload or throws InvalidResponseError', async () => {
    await fuzz(
      'jwt',
      fc.property(jwtLike, (token) => {
        only([InvalidResponseError], () => {
          const { payload } = decodeJwt(token);
          assert.equal(typeof payload, 'object');
        });
      }),
      CHEAP,
    );
  });

  it('id tokens: validateIdToken throws IdTokenError or InvalidResponseError for anything unsigned', async () => {
    await fuzz(
      'id-token-unsigned',
      fc.asyncProperty(jwtLike, fc.string(), async (token, clientId) => {
        await onlyAsync([IdTokenError, InvalidResponseError], () =>
          validateIdToken(token, {
            clientId: clientId === '' ? 'c' : clientId,
            issuer: 'https://issuer.example/t/v2.0',
            now: 1_700_000_000,
            keys: () => Promise.resolve([]),
          }),
        );
      }),
      ASYNC,
    );
  });

  it('client_info: uid and utid, or InvalidResponseError', async () => {
    const info = fc.oneof(
      fc.string(),
      fc.json().map(b64url),
      fc.record({ uid: anyValue, utid: anyValue }, { requiredKeys: [] }).map((o) => b64url(JSON.stringify(o))),
    );
    await fuzz(
      'client-info',
      fc.property(info, (raw) => {
        only([InvalidResponseError], () => {
          const { uid, utid } = decodeClientInfo(raw);
          assert.ok(uid.length > 0 && utid.length > 0);
        });
      }),
      CHEAP,
    );
  });

  it('cache files: deserialize accepts or throws CacheFormatError leaving the cache as it was, and what it accepts serializes', async () => {
    const seeded = readFileSync(new URL('../cache/fixtures/msal-node-cache.json', import.meta.url), 'utf8');
    const entry = fc.dictionary(
      fc.constantFrom(
        'credential_type',
        'secret',
        'home_account_id',
        'environment',
        'client_id',
        'realm',
        'target',
        'expires_on',
        'cached_at',
        'extended_expires_on',
        'family_id',
        'username',
        'key_id',
      ),
      anyValue,
    );
    const section = fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(entry, anyValue), { maxKeys: 3 });
    const cacheFile = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({ AccessToken: section, RefreshToken: section, IdToken: section, Account: section, AppMetadata: section }, { requiredKeys: [] })
        .map((o) => JSON.stringify(o)),
    );
    await fuzz(
      'cache-file',
      fc.property(cacheFile, (text) => {
        // A cache that already holds tokens: a refused text must not leave it half replaced.
        const cache = new SerializableTokenCache();
        cache.deserialize(seeded);
        const before = cache.serialize();
        try {
          cache.deserialize(text);
        } catch (err) {
          assert.ok(err instanceof CacheFormatError, `unexpected ${String(err)}`);
          assert.equal(cache.serialize(), before);
          return;
        }
        const written = cache.serialize();
        const again = new SerializableTokenCache();
        again.deserialize(written);
        assert.equal(again.serialize(), written);
      }),
      CHEAP,
    );
  });

  it('discovery documents: metadata, or a typed error', async () => {
    const doc = fc.oneof(
      body,
      fc
        .record(
          {
            token_endpoint: fc.oneof(anyValue, fc.webUrl({ validSchemes: ['https'] })),
            authorization_endpoint: fc.oneof(anyValue, fc.webUrl({ validSchemes: ['https'] })),
            issuer: fc.oneof(anyValue, fc.webUrl()),
            jwks_uri: anyValue,
            device_authorization_endpoint: anyValue,
            tenant_region_scope: anyValue,
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
    );
    const authority = parseAuthority('https://login.example.test/tenant-a', { oidcAuthority: true });
    await fuzz(
      'discovery',
      fc.asyncProperty(doc, fc.constantFrom(200, 400, 404, 500), async (text, status) => {
        await onlyAsync([InvalidResponseError, ServerError, AuthorityValidationError], async () => {
          const metadata = await resolveAuthorityMetadata(authority, {
            http: { send: () => Promise.resolve({ status, headers: {}, body: text }) },
            instanceDiscovery: false,
          });
          assert.ok(metadata.token_endpoint.startsWith('https://'));
        });
      }),
      ASYNC,
    );
  });

  it('authority URLs: an Authority, or TypeError/RangeError naming the input', async () => {
    const url = fc.oneof(
      fc.string(),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc
        .tuple(fc.constantFrom('https://', 'http://', 'https://login.microsoftonline.com/', 'https://x.b2clogin.com/', 'https://x.ciamlogin.com/'), fc.string())
        .map(([a, b]) => a + b),
    );
    await fuzz(
      'authority',
      fc.property(url, fc.boolean(), (input, oidc) => {
        only([TypeError, RangeError, MsalError], () => {
          const a = parseAuthority(input, { oidcAuthority: oidc });
          assert.ok(a.url.startsWith('https://'));
        });
      }),
      CHEAP,
    );
  });

  it('device code responses: a flow, or ServerError/InvalidResponseError', async () => {
    const device = fc.oneof(
      response,
      fc
        .record(
          {
            device_code: anyValue,
            user_code: anyValue,
            verification_uri: fc.oneof(anyValue, fc.webUrl()),
            expires_in: anyValue,
            interval: anyValue,
            message: anyValue,
          },
          { requiredKeys: [] },
        )
        .map((o) => ({ status: 200, headers: {}, body: JSON.stringify(o) })),
    );
    await fuzz(
      'device-code',
      fc.property(device, (res) => {
        only([ServerError, InvalidResponseError], () => {
          const flow = parseDeviceAuthorizationResponse(res);
          assert.equal(typeof flow.device_code, 'string');
        });
      }),
      CHEAP,
    );
  });

  it('WWW-Authenticate headers: the parser never throws; claims are JSON objects or InvalidResponseError', async () => {
    const header = fc.oneof(
      fc.string(),
      fc.tuple(fc.constantFrom('Bearer', 'Basic', 'PoP', 'bearer'), fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), fc.string())).map(
        ([scheme, p]) =>
          `${scheme} ${Object.entries(p)
            .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`)
            .join(', ')}`,
      ),
      fc.json().map((j) => `Bearer realm="", error="insufficient_claims", claims="${Buffer.from(j).toString('base64')}"`),
    );
    await fuzz(
      'www-authenticate',
      fc.property(header, (h) => {
        const challenges = parseWwwAuthenticate(h);
        assert.ok(Array.isArray(challenges));
        only([InvalidResponseError], () => {
          const claims = claimsChallengeFrom(h);
          if (claims !== undefined) assert.equal(typeof JSON.parse(claims), 'object');
        });
      }),
      CHEAP,
    );
  });

  it('claims challenges merged with capabilities: JSON out, or TypeError', async () => {
    await fuzz(
      'claims-merge',
      fc.property(fc.oneof(fc.string(), fc.json()), (challenge) => {
        only([TypeError], () => {
          const merged = mergeClaims(['CP1'], challenge);
          assert.deepEqual((JSON.parse(merged ?? '{}') as { access_token: { xms_cc: unknown } }).access_token.xms_cc, { values: ['CP1'] });
        });
      }),
      CHEAP,
    );
  });

  it('JWKS documents, managed identity responses and Retry-After headers: typed errors only', async () => {
    await fuzz(
      'jwks-mi-retry-after',
      fc.property(response, fc.constantFrom('oauth2', 'app_service', 'machine_learning', 'service_fabric', 'azure_arc'), (res, dialect) => {
        only([InvalidResponseError, ServerError], () => parseJwks(res.body, res.status));
        only([InvalidResponseError, ServerError, MsalError], () =>
          parseManagedIdentityResponse(res, dialect, { now: () => 1_700_000_000_000, correlationId: 'c' }),
        );
        const seconds = parseRetryAfter(res.headers['retry-after'], 1_700_000_000_000);
        assert.ok(seconds === undefined || (Number.isSafeInteger(seconds) && seconds >= 0));
      }),
      CHEAP,
    );
  });
});

describe('fuzz regressions', () => {
  it('a claims parameter that is base64 of JSON text but not an object is refused, not returned', () => {
    assert.throws(() => claimsChallengeFrom(`Bearer claims="${Buffer.from('"just a string"').toString('base64')}"`), InvalidResponseError);
  });

  it('a WWW-Authenticate header with an unterminated quote yields what was parsed before it', () => {
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="a", error="unterminated'), [{ scheme: 'bearer', params: { realm: 'a' } }]);
  });

  it('Basic token68 then a Bearer challenge with claims', () => {
    const claims = Buffer.from('{"access_token":{"nbf":{"essential":true}}}').toString('base64');
    assert.equal(claimsChallengeFrom(`Basic YWxhZGRpbjpvcGVuc2VzYW1l==, Bearer realm="", claims="${claims}"`), '{"access_token":{"nbf":{"essential":true}}}');
  });
});
