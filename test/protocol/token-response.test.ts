import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidResponseError, ServerError } from '../../src/errors.js';
import type { HttpResponse } from '../../src/http/http-client.js';
import { parseExpiresOn } from '../../src/protocol/expires-on.js';
import { parseRetryAfter } from '../../src/http/retry-after.js';
import { parseTokenResponse } from '../../src/protocol/token-response.js';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const SECRET = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2ln';

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

describe('parseTokenResponse: success', () => {
  it('narrows an Entra response and keeps unknown keys', () => {
    const token = parseTokenResponse(
      res(200, {
        token_type: 'Bearer',
        scope: 'User.Read openid',
        expires_in: 3599,
        ext_expires_in: 3599,
        refresh_in: 1800,
        access_token: 'at',
        refresh_token: 'rt',
        id_token: 'a.b.c',
        client_info: 'eyJ1aWQiOiJ1In0',
        foci: '1',
        x_extra: { n: 1 },
      }),
    );
    assert.deepEqual(token, {
      token_type: 'Bearer',
      scope: 'User.Read openid',
      expires_in: 3599,
      ext_expires_in: 3599,
      refresh_in: 1800,
      access_token: 'at',
      refresh_token: 'rt',
      id_token: 'a.b.c',
      client_info: 'eyJ1aWQiOiJ1In0',
      foci: '1',
      x_extra: { n: 1 },
    });
  });

  it('defaults token_type to Bearer', () => {
    assert.equal(parseTokenResponse(res(200, { access_token: 'at' })).token_type, 'Bearer');
  });

  it('accepts numeric strings (ADFS, v1) for the time fields', () => {
    const token = parseTokenResponse(res(200, { access_token: 'at', expires_in: '3600', ext_expires_in: '0', expires_on: '1790000000', refresh_in: 10 }));
    assert.equal(token.expires_in, 3600);
    assert.equal(token.ext_expires_in, 0);
    assert.equal(token.expires_on, 1790000000);
    assert.equal(token.refresh_in, 10);
  });

  it('drops null and empty optional fields', () => {
    const token = parseTokenResponse(res(200, { access_token: 'at', refresh_token: '', id_token: null, expires_in: null, error: null }));
    assert.deepEqual(token, { access_token: 'at', token_type: 'Bearer' });
  });
});

describe('parseTokenResponse: server errors', () => {
  const body = {
    error: 'invalid_grant',
    error_description: 'AADSTS50126: Error validating credentials.',
    error_codes: [50126],
    suberror: 'bad_token',
    claims: '{"access_token":{"capolids":{"essential":true}}}',
    timestamp: '2026-11-22 10:00:00Z',
    trace_id: 'trace',
    correlation_id: 'corr-server',
    error_uri: 'https://login.microsoftonline.com/error?code=50126',
    extra: 'ignored',
  };

  it('carries every field, the status and the correlation id', () => {
    assert.throws(
      () => parseTokenResponse(res(400, body), { correlationId: 'corr-client' }),
      (err: unknown) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.code, 'server_error');
        assert.equal(err.status, 400);
        assert.equal(err.error, 'invalid_grant');
        assert.equal(err.error_description, body.error_description);
        assert.deepEqual(err.error_codes, [50126]);
        assert.equal(err.suberror, 'bad_token');
        assert.equal(err.claims, body.claims);
        assert.equal(err.timestamp, body.timestamp);
        assert.equal(err.trace_id, 'trace');
        assert.equal(err.correlation_id, 'corr-server');
        assert.equal(err.error_uri, body.error_uri);
        assert.equal(err.correlationId, 'corr-client');
        assert.equal(err.retryAfter, undefined);
        return true;
      },
    );
  });

  it('a 200 with an error field is a ServerError', () => {
    assert.throws(
      () => parseTokenResponse(res(200, { error: 'authorization_pending', access_token: 'x' })),
      (err: unknown) => err instanceof ServerError && err.error === 'authorization_pending' && err.status === 200,
    );
  });

  it('drops mistyped optional fields and non-numeric error_codes', () => {
    assert.throws(
      () => parseTokenResponse(res(400, { error: 'e', error_description: 5, error_codes: [1, '2'], claims: {} })),
      (err: unknown) => err instanceof ServerError && err.error_description === undefined && err.error_codes === undefined && err.claims === undefined,
    );
  });

  const retryAfter: [string, number | undefined][] = [
    ['30', 30],
    [new Date(NOW + 90_000).toUTCString(), 90],
    [new Date(NOW - 90_000).toUTCString(), 0],
    ['soon', undefined],
  ];
  for (const [header, expected] of retryAfter) {
    it(`Retry-After ${JSON.stringify(header)} gives retryAfter ${String(expected)}`, () => {
      assert.throws(
        () => parseTokenResponse(res(429, { error: 'temporarily_unavailable' }, { 'retry-after': header }), { now: () => NOW }),
        (err: unknown) => err instanceof ServerError && err.retryAfter === expected,
      );
    });
  }

  it('uses the client-request-id header when no correlation id is given', () => {
    assert.throws(
      () => parseTokenResponse(res(400, { error: 'e' }, { 'client-request-id': 'hdr' })),
      (err: unknown) => err instanceof ServerError && err.correlationId === 'hdr',
    );
  });
});

describe('parseTokenResponse: malformed responses', () => {
  const cases: [string, HttpResponse, RegExp][] = [
    ['empty body', res(200, ''), /empty/],
    ['HTML error page', res(502, `<html><body>Bad gateway ${SECRET}</body></html>`), /HTML/],
    ['truncated JSON', res(200, `{"access_token":"${SECRET}`), /not valid JSON/],
    ['JSON array', res(200, [SECRET]), /array/],
    ['JSON number', res(200, '42'), /number/],
    ['JSON null', res(200, 'null'), /null/],
    ['JSON string', res(200, JSON.stringify(SECRET)), /string/],
    ['non-2xx without error', res(500, { message: SECRET }), /no OAuth2 error/],
    ['non-2xx with a token body', res(503, { access_token: SECRET }), /no OAuth2 error/],
    ['error of the wrong type', res(400, { error: { code: SECRET } }), /"error" is present/],
    ['empty error', res(400, { error: '' }), /"error" is present/],
    ['missing access_token', res(200, { token_type: 'Bearer', refresh_token: SECRET }), /access_token is missing/],
    ['numeric access_token', res(200, { access_token: 5 }), /access_token is not/],
    ['empty access_token', res(200, { access_token: '' }), /access_token is not/],
    ['numeric token_type', res(200, { access_token: SECRET, token_type: 1 }), /token_type/],
    ['expires_in as words', res(200, { access_token: SECRET, expires_in: 'one hour' }), /expires_in/],
    ['negative expires_in', res(200, { access_token: SECRET, expires_in: -1 }), /expires_in/],
    ['expires_on as an object', res(200, { access_token: SECRET, expires_on: {} }), /expires_on/],
    ['refresh_in boolean', res(200, { access_token: SECRET, refresh_in: true }), /refresh_in/],
    ['numeric refresh_token', res(200, { access_token: SECRET, refresh_token: 1 }), /refresh_token is not a string/],
    ['numeric foci', res(200, { access_token: SECRET, foci: 1 }), /foci/],
    ['array scope', res(200, { access_token: SECRET, scope: ['a'] }), /scope/],
  ];
  for (const [name, response, pattern] of cases) {
    it(`${name} -> InvalidResponseError with status and no body content`, () => {
      assert.throws(
        () => parseTokenResponse(response, { correlationId: 'c1', source: 'token response' }),
        (err: unknown) =>
          err instanceof InvalidResponseError &&
          err.status === response.status &&
          err.correlationId === 'c1' &&
          err.source === 'token response' &&
          pattern.test(err.message) &&
          !err.message.includes('c2VjcmV0') &&
          err.cause === undefined,
      );
    });
  }

  it('arbitrary strings and JSON values only ever give a TokenResponse, ServerError or InvalidResponseError', () => {
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .dictionary(
          fc.constantFrom('access_token', 'error', 'expires_in', 'expires_on', 'token_type', 'scope', 'foci', 'error_codes', 'refresh_in', 'x'),
          fc.jsonValue(),
        )
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), body, fc.option(fc.string(), { nil: undefined }), (status, text, retry) => {
        const headers: Record<string, string> = retry === undefined ? {} : { 'retry-after': retry };
        try {
          const token = parseTokenResponse({ status, headers, body: text });
          assert.equal(typeof token.access_token, 'string');
          assert.ok(status >= 200 && status < 300);
          for (const key of ['expires_in', 'ext_expires_in', 'refresh_in', 'expires_on'] as const) {
            assert.ok(token[key] === undefined || (typeof token[key] === 'number' && token[key] >= 0));
          }
        } catch (err) {
          assert.ok(err instanceof ServerError || err instanceof InvalidResponseError, String(err));
          if (err instanceof ServerError) assert.ok(err.retryAfter === undefined || (Number.isInteger(err.retryAfter) && err.retryAfter >= 0));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseRetryAfter', () => {
  const cases: [string | undefined, number | undefined][] = [
    [undefined, undefined],
    ['0', 0],
    [' 120 ', 120],
    ['-5', undefined],
    ['1.5', undefined],
    ['99999999999999999999', undefined],
    ['Sun, 22 Nov 2026 10:00:05 GMT', 5],
    ['not a date GMT', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`${JSON.stringify(value)} -> ${String(expected)}`, () => {
      assert.equal(parseRetryAfter(value, NOW), expected);
    });
  }
});

describe('parseExpiresOn', () => {
  const epoch = Math.floor(NOW / 1000);
  const good: [unknown, number][] = [
    [epoch, epoch],
    [epoch + 0.7, epoch],
    [String(epoch), epoch],
    [`${epoch}.25`, epoch],
    ['11/22/2026 10:00:00 AM +00:00', epoch],
    ['11/22/2026 12:00:00 PM +02:00', epoch],
    ['11/22/2026 12:00:00 AM -10:00', epoch],
    ['2026-11-22T10:00:00Z', epoch],
    ['2026-11-22T11:00:00.000+01:00', epoch],
  ];
  for (const [value, expected] of good) {
    it(`${JSON.stringify(value)} -> ${expected}`, () => {
      assert.equal(parseExpiresOn(value), expected);
    });
  }
  const bad: unknown[] = [
    null,
    {},
    -1,
    Number.NaN,
    Infinity,
    '',
    'tomorrow',
    '13/01/2026 10:00:00 AM +00:00',
    '02/31/2026 10:00:00 AM +00:00',
    '11/22/2026 13:00:00 PM +00:00',
    '1e400',
    '2026-11-22',
  ];
  for (const value of bad) {
    it(`${typeof value === 'number' ? String(value) : String(JSON.stringify(value))} -> InvalidResponseError`, () => {
      assert.throws(
        () => parseExpiresOn(value, 'managed identity response'),
        (err: unknown) => err instanceof InvalidResponseError && err.source === 'managed identity response',
      );
    });
  }
});
