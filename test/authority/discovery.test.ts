import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AuthorityMetadataCache } from '../../src/authority/authority-metadata-cache.js';
import { parseAuthority } from '../../src/authority/authority.js';
import { resolveAuthorityMetadata } from '../../src/authority/discovery.js';
import type { ResolveAuthorityOptions } from '../../src/authority/discovery.js';
import { AuthorityValidationError, InvalidResponseError, RequestAbortedError, ServerError } from '../../src/errors.js';
import type { HttpClient } from '../../src/http/http-client.js';
import { createHttpClient } from '../../src/http/undici-http-client.js';
import type { ClosableHttpClient } from '../../src/http/undici-http-client.js';
import { clearProxyEnv } from '../http/fixtures.js';
import { entraDocument, routedHttp, startStub } from './discovery-stub.js';
import type { Stub } from './discovery-stub.js';

clearProxyEnv();

const GUID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const PUBLIC = 'login.microsoftonline.com';
const INSTANCE_DISCOVERY = `${PUBLIC}/common/discovery/instance`;

let stub: Stub;
let transport: ClosableHttpClient;
let http: HttpClient;

before(async () => {
  stub = await startStub();
  transport = createHttpClient({ ca: stub.pki.caPem });
  http = routedHttp(transport, stub);
});
after(async () => {
  await transport.close();
  await stub.close();
});
beforeEach(() => {
  stub.routes.clear();
  stub.seen.length = 0;
});

function resolve(url: string, options: Partial<ResolveAuthorityOptions> = {}, oidc = false) {
  return resolveAuthorityMetadata(parseAuthority(url, { oidcAuthority: oidc }), { http, ...options });
}

describe('happy paths per kind', () => {
  it('aad on a known cloud: no instance discovery; tenant re-read from token_endpoint; headers sent', async () => {
    stub.routes.set(`${PUBLIC}/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration`, { body: entraDocument(PUBLIC, GUID) });
    const meta = await resolve(`https://${PUBLIC}/contoso.onmicrosoft.com/`, {
      correlationId: 'corr-42',
      headers: { 'X-Client-SKU': 'msal-ts' },
    });
    assert.equal(meta.token_endpoint, `https://${PUBLIC}/${GUID}/oauth2/v2.0/token`);
    assert.equal(meta.authorization_endpoint, `https://${PUBLIC}/${GUID}/oauth2/v2.0/authorize`);
    assert.equal(meta.device_authorization_endpoint, `https://${PUBLIC}/${GUID}/oauth2/v2.0/devicecode`);
    assert.equal(meta.end_session_endpoint, `https://${PUBLIC}/${GUID}/oauth2/v2.0/logout`);
    assert.equal(meta.jwks_uri, `https://${PUBLIC}/${GUID}/discovery/v2.0/keys`);
    assert.equal(meta.issuer, `https://${PUBLIC}/${GUID}/v2.0`);
    assert.equal(meta.tenant, GUID);
    assert.equal(meta.environment, PUBLIC);
    assert.equal(meta.aliases[0], PUBLIC);
    assert.ok(meta.aliases.includes('login.windows.net'));
    assert.deepEqual(meta.raw.response_types_supported, ['code', 'id_token']);
    assert.ok(Object.isFrozen(meta));
    assert.equal(stub.seen.length, 1);
    assert.equal(stub.seen[0]?.headers['client-request-id'], 'corr-42');
    assert.equal(stub.seen[0]?.headers['x-client-sku'], 'msal-ts');
  });

  it('aad common keeps the {tenantid} issuer template as sent', async () => {
    stub.routes.set(`${PUBLIC}/common/v2.0/.well-known/openid-configuration`, {
      body: entraDocument(PUBLIC, 'common', { issuer: `https://${PUBLIC}/{tenantid}/v2.0` }),
    });
    const meta = await resolve(`https://${PUBLIC}/common`);
    assert.equal(meta.issuer, `https://${PUBLIC}/{tenantid}/v2.0`);
    assert.equal(meta.tenant, 'common');
  });

  it('a national cloud alias is its own environment', async () => {
    stub.routes.set(`login.chinacloudapi.cn/contoso/v2.0/.well-known/openid-configuration`, {
      body: entraDocument('login.chinacloudapi.cn', GUID),
    });
    const meta = await resolve('https://login.chinacloudapi.cn/contoso');
    assert.equal(meta.environment, 'login.chinacloudapi.cn');
    assert.deepEqual(meta.aliases, ['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);
    assert.equal(stub.count(INSTANCE_DISCOVERY), 0);
  });

  it('adfs: discovery without /v2.0, tenant "adfs"', async () => {
    stub.routes.set('fs.contoso.com/adfs/.well-known/openid-configuration', {
      body: JSON.stringify({
        authorization_endpoint: 'https://fs.contoso.com/adfs/oauth2/authorize/',
        token_endpoint: 'https://fs.contoso.com/adfs/oauth2/token/',
        issuer: 'https://fs.contoso.com/adfs',
        jwks_uri: 'https://fs.contoso.com/adfs/discovery/keys',
      }),
    });
    const meta = await resolve('https://fs.contoso.com/adfs/');
    assert.equal(meta.tenant, 'adfs');
    assert.equal(meta.environment, 'fs.contoso.com');
    assert.deepEqual(meta.aliases, ['fs.contoso.com']);
    assert.equal(meta.device_authorization_endpoint, undefined);
    assert.equal(stub.count(INSTANCE_DISCOVERY), 0);
  });

  it('b2c: discovery under the policy path, no instance discovery', async () => {
    const host = 'contoso.b2clogin.com';
    stub.routes.set(`${host}/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration`, {
      body: JSON.stringify({
        authorization_endpoint: `https://${host}/contoso.onmicrosoft.com/b2c_1_signin/oauth2/v2.0/authorize`,
        token_endpoint: `https://${host}/contoso.onmicrosoft.com/b2c_1_signin/oauth2/v2.0/token`,
        issuer: `https://${host}/${GUID}/v2.0/`,
      }),
    });
    const meta = await resolve(`https://${host}/contoso.onmicrosoft.com/B2C_1_signin`);
    assert.equal(meta.tenant, 'contoso.onmicrosoft.com');
    assert.equal(meta.environment, host);
    assert.equal(stub.seen.length, 1);
  });

  it('b2c on a custom domain (b2c_ policy) skips instance discovery too', async () => {
    stub.routes.set('login.contoso.com/contoso.onmicrosoft.com/B2C_1A_x/v2.0/.well-known/openid-configuration', {
      body: entraDocument('login.contoso.com', 'contoso.onmicrosoft.com'),
    });
    await resolve('https://login.contoso.com/contoso.onmicrosoft.com/B2C_1A_x');
    assert.equal(stub.count(INSTANCE_DISCOVERY), 0);
  });

  it('ciam without a path: discovery under <sub>.onmicrosoft.com', async () => {
    stub.routes.set('contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration', {
      body: entraDocument('contoso.ciamlogin.com', GUID),
    });
    const meta = await resolve('https://contoso.ciamlogin.com');
    assert.equal(meta.tenant, GUID);
    assert.equal(meta.environment, 'contoso.ciamlogin.com');
    assert.equal(stub.seen.length, 1);
  });

  it('oidc: {issuer}/.well-known/openid-configuration, no tenant', async () => {
    stub.routes.set('op.example.com/realms/acme/.well-known/openid-configuration', {
      body: JSON.stringify({
        issuer: 'https://op.example.com/realms/acme',
        authorization_endpoint: 'https://op.example.com/realms/acme/protocol/openid-connect/auth',
        token_endpoint: 'https://op.example.com/realms/acme/protocol/openid-connect/token',
      }),
    });
    const meta = await resolve('https://op.example.com/realms/acme', {}, true);
    assert.equal(meta.tenant, undefined);
    assert.equal(meta.environment, 'op.example.com');
    assert.equal(meta.token_endpoint, 'https://op.example.com/realms/acme/protocol/openid-connect/token');
  });
});

describe('instance discovery', () => {
  const host = 'login.contoso.com';
  const tenantDiscovery = `https://${host}/contoso.com/v2.0/.well-known/openid-configuration`;
  const setUpCustomHost = (): void => {
    stub.routes.set(INSTANCE_DISCOVERY, {
      body: JSON.stringify({
        tenant_discovery_endpoint: tenantDiscovery,
        'api-version': '1.1',
        metadata: [
          { preferred_network: PUBLIC, preferred_cache: 'login.windows.net', aliases: [PUBLIC, 'login.windows.net'] },
          { preferred_network: host, preferred_cache: host, aliases: ['login.contoso.com', 'LOGIN.CONTOSO.NET'] },
        ],
      }),
    });
    stub.routes.set(`${host}/contoso.com/v2.0/.well-known/openid-configuration`, { body: entraDocument(host, GUID) });
  };

  it('runs for an unknown aad host: asks login.microsoftonline.com, then uses its tenant_discovery_endpoint and aliases', async () => {
    setUpCustomHost();
    const meta = await resolve(`https://${host}/contoso.com`, { correlationId: 'c-1' });
    assert.deepEqual(
      stub.seen.map((s) => s.target.split('?')[0]),
      [INSTANCE_DISCOVERY, `${host}/contoso.com/v2.0/.well-known/openid-configuration`],
    );
    const query = new URL(`https://x/${stub.seen[0]?.target ?? ''}`).searchParams;
    assert.equal(query.get('api-version'), '1.1');
    assert.equal(query.get('authorization_endpoint'), `https://${host}/contoso.com/oauth2/v2.0/authorize`);
    assert.equal(stub.seen[0]?.headers['client-request-id'], 'c-1');
    assert.deepEqual(meta.aliases, ['login.contoso.com', 'login.contoso.net']);
    assert.equal(meta.environment, host);
    assert.equal(meta.tenant, GUID);
  });

  it('is skipped when instanceDiscovery is false', async () => {
    setUpCustomHost();
    const meta = await resolve(`https://${host}/contoso.com`, { instanceDiscovery: false });
    assert.equal(stub.count(INSTANCE_DISCOVERY), 0);
    assert.deepEqual(meta.aliases, [host]);
  });

  it('asks a custom endpoint when instanceDiscovery is a URL (existing query kept)', async () => {
    setUpCustomHost();
    stub.routes.set('discovery.contoso.com/instance', stub.routes.get(INSTANCE_DISCOVERY) ?? { body: '' });
    await resolve(`https://${host}/contoso.com`, { instanceDiscovery: 'https://discovery.contoso.com/instance?x=1' });
    assert.equal(stub.count(INSTANCE_DISCOVERY), 0);
    assert.equal(stub.count('discovery.contoso.com/instance'), 1);
    const query = new URL(`https://x/${stub.seen[0]?.target ?? ''}`).searchParams;
    assert.equal(query.get('x'), '1');
    assert.equal(query.get('authorization_endpoint'), `https://${host}/contoso.com/oauth2/v2.0/authorize`);
  });

  it('metadata without an entry for the host leaves the aliases as [host]', async () => {
    stub.routes.set(INSTANCE_DISCOVERY, { body: JSON.stringify({ tenant_discovery_endpoint: tenantDiscovery }) });
    stub.routes.set(`${host}/contoso.com/v2.0/.well-known/openid-configuration`, { body: entraDocument(host, GUID) });
    const meta = await resolve(`https://${host}/contoso.com`);
    assert.deepEqual(meta.aliases, [host]);
  });

  it('invalid_instance gives AuthorityValidationError with the server error as cause, and no OIDC request', async () => {
    stub.routes.set(INSTANCE_DISCOVERY, {
      status: 400,
      body: JSON.stringify({ error: 'invalid_instance', error_description: 'AADSTS50049: Unknown or invalid instance.', error_codes: [50049] }),
    });
    const err = await resolve(`https://${host}/contoso.com`, { correlationId: 'c-2' }).then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuthorityValidationError);
    assert.equal(err.code, 'authority_validation_failed');
    assert.equal(err.correlationId, 'c-2');
    assert.match(err.message, /instanceDiscovery: false/);
    assert.ok(err.cause instanceof ServerError);
    assert.equal(err.cause.error, 'invalid_instance');
    assert.deepEqual(err.cause.error_codes, [50049]);
    assert.equal(stub.seen.length, 1);
  });

  const badInstanceBodies: Array<[string, string]> = [
    ['not JSON', '<html>'],
    ['an array', '[]'],
    ['no tenant_discovery_endpoint', '{}'],
    ['a non-string tenant_discovery_endpoint', '{"tenant_discovery_endpoint":5}'],
    ['an http tenant_discovery_endpoint', '{"tenant_discovery_endpoint":"http://login.contoso.com/x"}'],
    ['metadata that is not an array', `{"tenant_discovery_endpoint":"${tenantDiscovery}","metadata":{}}`],
    ['a metadata entry that is not an object', `{"tenant_discovery_endpoint":"${tenantDiscovery}","metadata":[1]}`],
    ['aliases that are not strings', `{"tenant_discovery_endpoint":"${tenantDiscovery}","metadata":[{"aliases":[1]}]}`],
  ];
  for (const [name, body] of badInstanceBodies) {
    it(`a 200 with ${name} is an InvalidResponseError from the instance discovery response`, async () => {
      stub.routes.set(INSTANCE_DISCOVERY, { body });
      await assert.rejects(resolve(`https://${host}/contoso.com`), (e: unknown) => {
        assert.ok(e instanceof InvalidResponseError);
        assert.equal(e.source, 'instance discovery response');
        assert.equal(e.status, 200);
        return true;
      });
    });
  }

  it('a 500 from instance discovery is an InvalidResponseError carrying the status', async () => {
    stub.routes.set(INSTANCE_DISCOVERY, { status: 500, body: 'oops' });
    await assert.rejects(resolve(`https://${host}/contoso.com`), (e: unknown) => e instanceof InvalidResponseError && e.status === 500);
  });
});

describe('malformed OIDC discovery documents', () => {
  const route = `${PUBLIC}/contoso/v2.0/.well-known/openid-configuration`;
  const base = JSON.parse(entraDocument(PUBLIC, GUID)) as Record<string, unknown>;
  const without = (name: string): string => JSON.stringify({ ...base, [name]: undefined });
  const withField = (name: string, value: unknown): string => JSON.stringify({ ...base, [name]: value });
  const bad: Array<[string, string]> = [
    ['not JSON', 'not json'],
    ['HTML', '<!doctype html><p>Sign in</p>'],
    ['null', 'null'],
    ['a string', '"x"'],
    ['an array', '[]'],
    ['no token_endpoint', without('token_endpoint')],
    ['no authorization_endpoint', without('authorization_endpoint')],
    ['no issuer', without('issuer')],
    ['a numeric token_endpoint', withField('token_endpoint', 42)],
    ['an empty token_endpoint', withField('token_endpoint', '')],
    ['an http token_endpoint', withField('token_endpoint', 'http://login.microsoftonline.com/t/oauth2/v2.0/token')],
    ['a relative authorization_endpoint', withField('authorization_endpoint', '/oauth2/v2.0/authorize')],
    ['a javascript: authorization_endpoint', withField('authorization_endpoint', 'javascript:alert(1)')],
    ['an object issuer', withField('issuer', { a: 1 })],
    ['an http jwks_uri', withField('jwks_uri', 'http://x/keys')],
    ['a numeric device_authorization_endpoint', withField('device_authorization_endpoint', 7)],
    ['a non-URL end_session_endpoint', withField('end_session_endpoint', 'not a url')],
  ];
  for (const [name, body] of bad) {
    it(`${name} -> InvalidResponseError from the OIDC discovery document`, async () => {
      stub.routes.set(route, { body });
      await assert.rejects(resolve(`https://${PUBLIC}/contoso`, { correlationId: 'c-3' }), (e: unknown) => {
        assert.ok(e instanceof InvalidResponseError, String(e));
        assert.equal(e.source, 'OIDC discovery document');
        assert.equal(e.status, 200);
        assert.equal(e.correlationId, 'c-3');
        return true;
      });
    });
  }
});

describe('OIDC discovery HTTP errors', () => {
  const route = `${PUBLIC}/nonexistent/v2.0/.well-known/openid-configuration`;

  it('400 with an Entra error -> AuthorityValidationError, the ServerError as cause', async () => {
    stub.routes.set(route, {
      status: 400,
      body: JSON.stringify({ error: 'invalid_tenant', error_description: "AADSTS90002: Tenant 'nonexistent' not found.", error_codes: [90002] }),
    });
    await assert.rejects(resolve(`https://${PUBLIC}/nonexistent`), (e: unknown) => {
      assert.ok(e instanceof AuthorityValidationError);
      assert.match(e.message, /invalid_tenant/);
      assert.ok(e.cause instanceof ServerError);
      assert.equal(e.cause.error, 'invalid_tenant');
      assert.equal(e.cause.status, 400);
      return true;
    });
  });

  it('404 without a JSON body -> AuthorityValidationError without cause', async () => {
    stub.routes.set(route, { status: 404, body: 'Not Found', headers: { 'content-type': 'text/plain' } });
    await assert.rejects(resolve(`https://${PUBLIC}/nonexistent`), (e: unknown) => {
      assert.ok(e instanceof AuthorityValidationError);
      assert.match(e.message, /HTTP 404/);
      assert.equal(e.cause, undefined);
      return true;
    });
  });

  it('500 with an OAuth2 error body -> ServerError with status and Retry-After', async () => {
    stub.routes.set(route, { status: 503, body: '{"error":"temporarily_unavailable"}', headers: { 'retry-after': '7' } });
    await assert.rejects(resolve(`https://${PUBLIC}/nonexistent`), (e: unknown) => {
      assert.ok(e instanceof ServerError);
      assert.equal(e.status, 503);
      assert.equal(e.error, 'temporarily_unavailable');
      assert.equal(e.retryAfter, 7);
      return true;
    });
  });

  it('500 without an OAuth2 error body -> InvalidResponseError with status', async () => {
    stub.routes.set(route, { status: 500, body: '<html>Internal error</html>' });
    await assert.rejects(resolve(`https://${PUBLIC}/nonexistent`), (e: unknown) => {
      assert.ok(e instanceof InvalidResponseError);
      assert.equal(e.status, 500);
      assert.equal(e.source, 'OIDC discovery document');
      return true;
    });
  });

  it('a redirect is not followed -> InvalidResponseError with status', async () => {
    stub.routes.set(route, { status: 302, body: '', headers: { location: 'https://elsewhere.example/' } });
    await assert.rejects(resolve(`https://${PUBLIC}/nonexistent`), (e: unknown) => e instanceof InvalidResponseError && e.status === 302);
  });
});

describe('caching', () => {
  const route = `${PUBLIC}/contoso/v2.0/.well-known/openid-configuration`;

  it('a second resolve with the same http cache sends no request, until 24 h pass', async () => {
    stub.routes.set(route, { body: entraDocument(PUBLIC, GUID) });
    const httpCache = new Map<string, unknown>();
    let now = 1_700_000_000_000;
    const first = await resolve(`https://${PUBLIC}/contoso`, { httpCache, now: () => now });
    const second = await resolve(`https://${PUBLIC}/contoso`, { httpCache, now: () => now });
    assert.equal(stub.count(route), 1);
    assert.deepEqual(second, first);
    now += 24 * 3600 * 1000;
    await resolve(`https://${PUBLIC}/contoso`, { httpCache, now: () => now });
    assert.equal(stub.count(route), 2);
  });

  it('the instance discovery response is cached too', async () => {
    const host = 'login.contoso.com';
    stub.routes.set(INSTANCE_DISCOVERY, {
      body: JSON.stringify({ tenant_discovery_endpoint: `https://${host}/t/v2.0/.well-known/openid-configuration` }),
    });
    stub.routes.set(`${host}/t/v2.0/.well-known/openid-configuration`, { body: entraDocument(host, GUID) });
    const httpCache = new Map<string, unknown>();
    await resolve(`https://${host}/t`, { httpCache });
    await resolve(`https://${host}/t`, { httpCache });
    assert.equal(stub.seen.length, 2);
  });

  it('failures are not cached', async () => {
    stub.routes.set(route, { status: 500, body: '' });
    const httpCache = new Map<string, unknown>();
    await assert.rejects(resolve(`https://${PUBLIC}/contoso`, { httpCache }));
    stub.routes.set(route, { body: entraDocument(PUBLIC, GUID) });
    const meta = await resolve(`https://${PUBLIC}/contoso`, { httpCache });
    assert.equal(meta.tenant, GUID);
    assert.equal(stub.count(route), 2);
  });

  it('AuthorityMetadataCache: concurrent resolves share one request and one result', async () => {
    let release = (): void => undefined;
    stub.routes.set(route, { body: entraDocument(PUBLIC, GUID), hold: new Promise<void>((r) => (release = r)) });
    const memo = new AuthorityMetadataCache();
    const authority = parseAuthority(`https://${PUBLIC}/contoso`);
    const pending = Array.from({ length: 5 }, () => memo.resolve(authority, { http }));
    while (stub.count(route) === 0) await new Promise((r) => setTimeout(r, 5));
    release();
    const results = await Promise.all(pending);
    assert.equal(stub.count(route), 1);
    for (const r of results) assert.equal(r, results[0]);
    // Later calls are served from memory.
    assert.equal(await memo.resolve(authority, { http }), results[0]);
    assert.equal(stub.count(route), 1);
  });

  it('AuthorityMetadataCache: one caller aborting does not fail the others', async () => {
    let release = (): void => undefined;
    stub.routes.set(route, { body: entraDocument(PUBLIC, GUID), hold: new Promise<void>((r) => (release = r)) });
    const memo = new AuthorityMetadataCache();
    const authority = parseAuthority(`https://${PUBLIC}/contoso`);
    const controller = new AbortController();
    const quitter = memo.resolve(authority, { http, signal: controller.signal });
    const stayer = memo.resolve(authority, { http });
    while (stub.count(route) === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await assert.rejects(quitter, RequestAbortedError);
    release();
    assert.equal((await stayer).tenant, GUID);
    assert.equal(stub.count(route), 1);
  });

  it('AuthorityMetadataCache: a failure is forgotten, the next call retries', async () => {
    stub.routes.set(route, { status: 500, body: '' });
    const memo = new AuthorityMetadataCache();
    const authority = parseAuthority(`https://${PUBLIC}/contoso`);
    await assert.rejects(memo.resolve(authority, { http }), InvalidResponseError);
    stub.routes.set(route, { body: entraDocument(PUBLIC, GUID) });
    assert.equal((await memo.resolve(authority, { http })).tenant, GUID);
    assert.equal(stub.count(route), 2);
  });

  it('AuthorityMetadataCache: keeps at most maxEntries authorities', async () => {
    for (const t of ['a', 'b', 'c']) stub.routes.set(`${PUBLIC}/${t}/v2.0/.well-known/openid-configuration`, { body: entraDocument(PUBLIC, t) });
    const memo = new AuthorityMetadataCache({ maxEntries: 2 });
    for (const t of ['a', 'b', 'c', 'c', 'b', 'a']) await memo.resolve(parseAuthority(`https://${PUBLIC}/${t}`), { http });
    // a was evicted by c, then asked again.
    assert.equal(stub.count(`${PUBLIC}/a/v2.0/.well-known/openid-configuration`), 2);
    assert.equal(stub.count(`${PUBLIC}/c/v2.0/.well-known/openid-configuration`), 1);
    assert.throws(() => new AuthorityMetadataCache({ maxEntries: 0 }), RangeError);
  });
});

describe('caller misuse (no request is sent)', () => {
  const misuse: Array<[string, Partial<ResolveAuthorityOptions>, RegExp]> = [
    ['an http instance discovery URL', { instanceDiscovery: 'http://discovery.example/instance' }, /options\.instanceDiscovery/],
    ['a non-URL instance discovery', { instanceDiscovery: 'nope' }, /options\.instanceDiscovery/],
    ['a numeric instance discovery', { instanceDiscovery: 1 as unknown as boolean }, /options\.instanceDiscovery/],
    ['no http client', { http: undefined }, /options\.http/],
    ['a non-function now', { now: 5 as unknown as () => number }, /options\.now/],
  ];
  for (const [name, options, message] of misuse) {
    it(`TypeError for ${name}`, async () => {
      await assert.rejects(resolve('https://login.contoso.com/t', options), (e: unknown) => e instanceof TypeError && message.test(e.message));
      assert.equal(stub.seen.length, 0);
    });
  }

  it('TypeError for something that is not an Authority', async () => {
    await assert.rejects(
      resolveAuthorityMetadata('https://login.microsoftonline.com/common' as unknown as ReturnType<typeof parseAuthority>, { http }),
      /authority must be an Authority/,
    );
  });
});
