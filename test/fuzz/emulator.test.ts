// The emulator's endpoints (token, authorize, device code, discovery, sign-in pages; not the admin API) over real
// HTTPS: fuzzed form bodies, query strings, headers and raw request targets. Every request gets a response that is
// not a 5xx (the emulator answers 500 only for an uncaught exception), JSON bodies parse and 4xx JSON carries an
// `error`; the server keeps running.
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { removeDir, tempDir } from '../emulator/helpers.js';
import { fuzz, runs } from './budget.js';

const BUDGET = { ci: 80, fuzz: 4000, long: 25_000 } as const;
const T = DEFAULT_IDS.tenantId;

const tenant = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(T, 'common', 'organizations', 'consumers', DEFAULT_IDS.tenantDomain) },
  fc.constantFrom('', '%00', '..', 'x%2Fy'),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{1,12}$/),
);
const path = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        tenant,
        fc.constantFrom(
          '/oauth2/v2.0/token',
          '/oauth2/token',
          '/oauth2/v2.0/authorize',
          '/oauth2/v2.0/devicecode',
          '/oauth2/devicecode',
          '/v2.0/.well-known/openid-configuration',
          '/.well-known/openid-configuration',
          '/discovery/instance',
          '/discovery/v2.0/keys',
          '/discovery/keys',
          '/oauth2/v2.0/logout',
          '/userrealm/alice@contoso.onmicrosoft.com',
          '/userrealm/%zz',
        ),
      )
      .map(([t, p]) => `/${t}${p}`),
  },
  fc.constantFrom('/devicelogin', '/oidc/userinfo', '/error', '/signin/password', '/signin/account', '/signin/consent', '/', '/favicon.ico'),
  fc.webPath().filter((p) => !p.startsWith('/_emulator')),
);
const value = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom<string>(
      ...Object.values(DEFAULT_IDS),
      'https://graph.microsoft.com/.default',
      'openid profile offline_access',
      'http://localhost',
      'S256',
      'plain',
      'on_behalf_of',
      'form_post',
      'query',
      'code',
      'select_account',
      'none',
      '{"access_token":{"xms_cc":{"values":["CP1"]}}}',
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      'a.b.c',
      'eyJhbGciOiJub25lIn0.e30.',
    ),
  },
  fc.string({ maxLength: 30 }),
  fc.json({ maxDepth: 1 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
);
const FIELDS = [
  'grant_type',
  'client_id',
  'client_secret',
  'scope',
  'code',
  'redirect_uri',
  'refresh_token',
  'device_code',
  'username',
  'password',
  'assertion',
  'client_assertion_type',
  'client_assertion',
  'requested_token_use',
  'code_verifier',
  'claims',
  'resource',
  'response_type',
  'response_mode',
  'state',
  'nonce',
  'prompt',
  'login_hint',
  'code_challenge',
  'code_challenge_method',
  'user_code',
  'api-version',
  'req_cnf',
  'token_type',
  'key_id',
] as const;
const grant = fc.constantFrom(
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'device_code',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'implicit',
  '',
);
const params = fc
  .tuple(
    fc.option(grant, { nil: undefined }),
    fc.array(fc.tuple(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, fc.string({ maxLength: 8 })), value), { maxLength: 8 }),
  )
  .map(([g, pairs]) => {
    const p = new URLSearchParams(pairs);
    if (g !== undefined) p.set('grant_type', g);
    return p.toString();
  });
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/json',
      'text/plain',
      'multipart/form-data; boundary=x',
      '',
    ),
    authorization: fc.oneof(
      fc
        .tuple(
          fc.constantFrom<string>(DEFAULT_IDS.daemonClientId, DEFAULT_IDS.webApiClientId, 'x'),
          fc.constantFrom<string>(DEFAULT_IDS.daemonSecret, 'wrong', ''),
        )
        .map(([id, s]) => `Basic ${Buffer.from(`${id}:${s}`).toString('base64')}`),
      fc.constantFrom('Basic', 'Basic !!!', 'Basic Og==', 'Bearer x', 'Bearer eyJhbGciOiJub25lIn0.e30.'),
      fc.stringMatching(/^[\x20-\x7e]{0,20}$/),
    ),
    'client-request-id': fc.oneof(fc.uuid(), fc.stringMatching(/^[\x21-\x7e]{0,20}$/)),
    'x-client-sku': fc.stringMatching(/^[\x21-\x7e]{0,12}$/),
  },
  { requiredKeys: [] },
);
const structured = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
  path,
  query: params,
  body: params,
  headers,
});
const RAW_TARGETS = [
  '//',
  '/%',
  '/%%',
  '*',
  'http://evil.example/common/oauth2/v2.0/token',
  '//common/oauth2/v2.0/token',
  `/${T}/oauth2/v2.0/authorize?%zz=%`,
  '/?#',
  `/${T}//oauth2/v2.0/token`,
  '/common/oauth2/v2.0/token?a=\u00e9',
];
const raw = fc.record({
  method: fc.constantFrom('GET', 'POST', 'HEAD', 'get', 'FOO'),
  target: fc.oneof(fc.constantFrom(...RAW_TARGETS), fc.stringMatching(/^[\x21-\x7e]{0,30}$/)),
  body: params,
});

/** Sends raw bytes over TLS and returns the status code of the answer, or undefined when the server closed instead. */
function rawExchange(emulator: Emulator, bytes: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const url = new URL(emulator.url);
    const socket = connect({ host: url.hostname, port: Number(url.port), ca: emulator.caPem, servername: 'localhost' });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(Buffer.concat(chunks).toString('latin1'));
      resolve(m?.[1] === undefined ? undefined : Number(m[1]));
    });
    socket.end(bytes);
  });
}

describe(`fuzzing the emulator's endpoints over HTTPS (${runs(BUDGET)} requests per property)`, () => {
  let emulator: Emulator;
  let agent: Agent;
  let stateDir: string;
  before(async () => {
    stateDir = tempDir('msal-ts-fuzz-emulator-');
    emulator = await startEmulator({ stateDir });
    agent = new Agent({ connect: { ca: emulator.caPem }, pipelining: 1 });
  });
  after(async () => {
    await agent.close();
    await emulator.close();
    removeDir(stateDir);
  });

  async function stillServing(): Promise<void> {
    const res = await request(`${emulator.url}/${T}/v2.0/.well-known/openid-configuration`, { dispatcher: agent });
    assert.equal(res.statusCode, 200);
    await res.body.text();
  }

  it('structured requests: a response that is not a 5xx; JSON parses; 4xx JSON names an error', async () => {
    await fuzz(
      'emulator-endpoints',
      fc.asyncProperty(structured, async (r) => {
        const url = `${emulator.url}${r.path}${r.query === '' ? '' : `?${r.query}`}`;
        const hs = Object.fromEntries(Object.entries(r.headers).filter(([, v]) => v !== ''));
        const withBody = r.method !== 'GET' && r.method !== 'OPTIONS';
        const res = await request(url, { method: r.method, headers: hs, body: withBody ? r.body : undefined, dispatcher: agent });
        const text = await res.body.text();
        assert.ok(res.statusCode < 500, `${r.method} ${r.path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`);
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('application/json')) {
          const json = JSON.parse(text) as Record<string, unknown>;
          if (res.statusCode >= 400) assert.equal(typeof json['error'], 'string');
        }
      }),
      BUDGET,
    );
    await stillServing();
  });

  it('raw request targets over TLS: an answer that is not a 5xx, or a closed connection', async () => {
    await fuzz(
      'emulator-raw',
      fc.asyncProperty(raw, async (r) => {
        const bytes = `${r.method} ${r.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(r.body)}\r\nConnection: close\r\n\r\n${r.body}`;
        const status = await rawExchange(emulator, bytes);
        assert.ok(status === undefined || status < 500, `${r.method} ${r.target}: HTTP ${status}`);
      }),
      { ci: 40, fuzz: 1500, long: 10_000 },
    );
    await stillServing();
  });
});

describe('emulator fuzz regressions', () => {
  it('a request target that is no URL path ("//") is a 400 invalid_request, not a 500', async () => {
    const stateDir = tempDir('msal-ts-fuzz-emulator-');
    const emulator = await startEmulator({ stateDir });
    try {
      const get = (target: string): Promise<number | undefined> =>
        rawExchange(emulator, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.equal(await get('//'), 400);
      // A scheme-relative target with a host is a URL: its path is simply not an endpoint.
      assert.equal(await get('//common/oauth2/v2.0/token'), 404);
    } finally {
      await emulator.close();
      removeDir(stateDir);
    }
  });
});
