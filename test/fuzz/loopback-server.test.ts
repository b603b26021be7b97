// The loopback redirect server's request parsing, over real TCP: well-formed redirects (GET query, POST form) with any
// fields, Host header and path, and raw junk (arbitrary request lines, headers, bodies, bytes), pipelined on one
// connection. The server must answer or close every connection, never crash the process or hang, and resolve only
// for a redirect to its own host whose fields hold the awaited state and a code or an error.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RequestAbortedError } from '../../src/errors.js';
import { startLoopbackServer } from '../../src/interactive/loopback-server.js';
import type { AuthResponse } from '../../src/interactive/types.js';
import { fuzz, runs } from './budget.js';

const STATE = 'st4te-Xy_z';
const BUDGET = { ci: 60, fuzz: 3000, long: 25_000 } as const;
/** Liveness only: a connection the server neither answers nor closes in this long is a hang. */
const HANG_MS = 20_000;

type Host = 'ip' | 'localhost' | 'LOCALHOST' | 'ip-no-port' | 'evil' | 'other-port' | 'none';
const OWN_HOSTS: readonly Host[] = ['ip', 'localhost', 'LOCALHOST'];

function hostHeader(host: Host, port: number): string | undefined {
  switch (host) {
    case 'ip':
      return `127.0.0.1:${port}`;
    case 'localhost':
      return `localhost:${port}`;
    case 'LOCALHOST':
      return `LOCALHOST:${port}`;
    case 'ip-no-port':
      return '127.0.0.1';
    case 'evil':
      return `evil.example:${port}`;
    case 'other-port':
      return `127.0.0.1:${port === 65535 ? 1 : port + 1}`;
    case 'none':
      return undefined;
  }
}

/** A redirect as a browser would send it: its fields are known, so whether it must end the wait is known. */
interface Redirect {
  readonly kind: 'redirect';
  readonly method: 'GET' | 'POST';
  readonly path: '/' | '/callback' | '/favicon.ico';
  readonly host: Host;
  readonly contentType: string;
  readonly chunked: boolean;
  /** The query (GET) or form body (POST). */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  /** Query fields a POST also carries: the server must ignore them. */
  readonly extraQuery: ReadonlyArray<readonly [string, string]>;
}
/** Anything else: only the invariants apply. */
interface Junk {
  readonly kind: 'junk';
  readonly bytes: (port: number) => Buffer;
}

const FORM = 'application/x-www-form-urlencoded';
const field = fc.tuple(
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('state', 'code', 'error', 'error_description', 'client_info', 'session_state') },
    fc.constantFrom('State', 'CODE', '__proto__', 'constructor', ''),
    fc.string({ maxLength: 6 }),
  ),
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(STATE) },
    fc.constantFrom(`${STATE} `, STATE.toUpperCase(), '', 'the-code'),
    fc.string({ maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 6 }),
  ),
);
/** Mostly fields that could end the wait: a state and a code or error, plus others, shuffled. */
const fields = fc.oneof(
  fc.array(field, { maxLength: 6 }),
  fc
    .tuple(fc.constantFrom<readonly [string, string]>(['code', 'c0de'], ['error', 'access_denied']), fc.array(field, { maxLength: 4 }), fc.nat())
    .map(([end, others, at]) => {
      const all: Array<readonly [string, string]> = [['state', STATE], ...others];
      all.splice(at % (all.length + 1), 0, end);
      return all;
    }),
);

const redirect: fc.Arbitrary<Redirect> = fc.record({
  kind: fc.constant('redirect' as const),
  method: fc.constantFrom('GET' as const, 'POST' as const),
  path: fc.oneof({ weight: 6, arbitrary: fc.constant('/' as const) }, fc.constantFrom('/callback' as const, '/favicon.ico' as const)),
  host: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<Host>(...OWN_HOSTS) }, fc.constantFrom<Host>('ip-no-port', 'evil', 'other-port', 'none')),
  contentType: fc.oneof(
    { weight: 4, arbitrary: fc.constant(FORM) },
    fc.constantFrom(`${FORM}; charset=utf-8`, 'Application/X-WWW-Form-Urlencoded', 'text/plain', 'multipart/form-data', ''),
  ),
  chunked: fc.boolean(),
  fields,
  extraQuery: fc.array(field, { maxLength: 3 }),
});

function render(r: Redirect, port: number): Buffer {
  const query = new URLSearchParams((r.method === 'GET' ? r.fields : r.extraQuery).map(([k, v]): [string, string] => [k, v])).toString();
  const host = hostHeader(r.host, port);
  const lines = [`${r.method} ${r.path}${query === '' ? '' : `?${query}`} HTTP/1.1`];
  if (host !== undefined) lines.push(`Host: ${host}`);
  let body = Buffer.alloc(0);
  if (r.method === 'POST') {
    const text = Buffer.from(new URLSearchParams(r.fields.map(([k, v]): [string, string] => [k, v])).toString(), 'utf8');
    if (r.contentType !== '') lines.push(`Content-Type: ${r.contentType}`);
    if (r.chunked) {
      lines.push('Transfer-Encoding: chunked');
      // One chunk, then the last (zero-length) chunk; an empty body is the last chunk alone.
      body = text.length === 0 ? Buffer.from('0\r\n\r\n') : Buffer.concat([Buffer.from(`${text.length.toString(16)}\r\n`), text, Buffer.from('\r\n0\r\n\r\n')]);
    } else {
      lines.push(`Content-Length: ${text.length}`);
      body = text;
    }
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
}

/** The fields a redirect ends the wait with, or undefined when it must not end it. */
function ending(r: Redirect): AuthResponse | undefined {
  if (!OWN_HOSTS.includes(r.host) || r.path !== '/') return undefined;
  if (r.method === 'POST' && r.contentType.split(';')[0]?.trim().toLowerCase() !== FORM) return undefined;
  const keys = r.fields.map(([k]) => k);
  if (new Set(keys).size !== keys.length) return undefined;
  const out = Object.fromEntries(r.fields) as Record<string, string>;
  if (out['state'] !== STATE || (!Object.hasOwn(out, 'code') && !Object.hasOwn(out, 'error'))) return undefined;
  return out;
}

const token = fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~0-9-]{0,10}$/);
const junk: fc.Arbitrary<Junk> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((a) => ({ kind: 'junk' as const, bytes: () => Buffer.from(a) })),
  fc.string({ maxLength: 200 }).map((s) => ({ kind: 'junk' as const, bytes: () => Buffer.from(s, 'utf8') })),
  // A request line and headers of any shape, with the server's own Host so that the handler is reached.
  fc
    .record({
      method: fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'OPTIONS', 'DELETE', 'get', 'CONNECT', 'PRI'), token),
      target: fc.oneof(
        fc.constantFrom(
          '/',
          '//',
          '*',
          '/?',
          '/#x',
          '/%',
          '/%zz',
          '/?%',
          '/?state=%ZZ&code=1',
          '/../',
          '/./?code=1',
          '//evil/?code=1',
          'http://evil/?code=1',
          '?code=1',
          '',
        ),
        fc.webPath(),
        fc.webQueryParameters().map((q) => `/?${q}`),
        fc.string({ maxLength: 30 }),
      ),
      version: fc.oneof(fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 extra', ''), fc.string({ maxLength: 8 })),
      host: fc.constantFrom<Host>('ip', 'localhost', 'none', 'evil'),
      headers: fc.array(
        fc.oneof(
          fc.tuple(token, fc.string({ maxLength: 20 })).map(([k, v]) => `${k}: ${v}`),
          fc.constantFrom(
            'Content-Length: -1',
            'Content-Length: 99999999999',
            'Content-Length: 5',
            'Content-Length: 1, 2',
            'Transfer-Encoding: chunked',
            'Transfer-Encoding: gzip, chunked',
            `Content-Type: ${FORM}`,
            'Expect: 100-continue',
            'Connection: close',
            'Connection: upgrade',
            'Upgrade: websocket',
            'Host: second',
          ),
          fc.string({ maxLength: 30 }),
        ),
        { maxLength: 5 },
      ),
      body: fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.constantFrom(`state=${STATE}&code=x`, '3\r\nabc\r\n0\r\n\r\n', 'zz\r\n')),
      eol: fc.constantFrom('\r\n', '\n', '\r'),
    })
    .map((j) => ({
      kind: 'junk' as const,
      bytes: (port: number) => {
        const host = hostHeader(j.host, port);
        const head = [`${j.method} ${j.target} ${j.version}`, ...(host === undefined ? [] : [`Host: ${host}`]), ...j.headers];
        return Buffer.from(`${head.join(j.eol)}${j.eol}${j.eol}${j.body}`, 'utf8');
      },
    })),
);

/** Writes `bytes`, half-closes, and collects what the server sends until it closes the connection. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1' });
    const hang = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed the connection within ${HANG_MS} ms`));
    }, HANG_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset is the server closing on us: an allowed outcome.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(hang);
      resolve(Buffer.concat(chunks));
    });
    socket.end(bytes);
  });
}

describe(`fuzzing the loopback server's request parsing over TCP (${runs(BUDGET)} connections)`, () => {
  it('answers or closes every connection; resolves exactly for a redirect to its own host with the state and a code or error', async () => {
    await fuzz(
      'loopback-server',
      fc.asyncProperty(fc.array(fc.oneof<[fc.Arbitrary<Redirect>, fc.Arbitrary<Junk>]>(redirect, junk), { minLength: 1, maxLength: 3 }), async (requests) => {
        const server = await startLoopbackServer();
        const port = Number(new URL(server.redirectUri).port);
        let outcome: { fields: AuthResponse } | { error: unknown } | undefined;
        const waiting = server.waitForResponse({ state: STATE }).then(
          (f) => (outcome = { fields: f }),
          (error: unknown) => (outcome = { error }),
        );
        try {
          const answer = await exchange(port, Buffer.concat(requests.map((r) => (r.kind === 'junk' ? r.bytes(port) : render(r, port)))));
          await new Promise((r) => setImmediate(r));
          // Every answer the server writes is an HTTP/1.1 response, and never a 5xx.
          if (answer.length > 0) assert.match(answer.toString('latin1'), /^HTTP\/1\.1 [1-4]\d\d /);

          // Up to the first junk request, each redirect's fate is known. Which qualifying one ends the wait is not: a
          // POST's body is read asynchronously, so a redirect pipelined after it may be handled first.
          const known = requests.findIndex((r) => r.kind === 'junk');
          const prefix = (known === -1 ? requests : requests.slice(0, known)).filter((r): r is Redirect => r.kind === 'redirect');
          const candidates = prefix.map(ending).filter((f): f is AuthResponse => f !== undefined);
          const allCandidates = requests.map((r) => (r.kind === 'redirect' ? ending(r) : undefined)).filter((f): f is AuthResponse => f !== undefined);
          if (outcome !== undefined && 'error' in outcome) assert.fail(`the wait failed: ${String(outcome.error)}`);
          if (outcome !== undefined) {
            assert.equal(outcome.fields['state'], STATE);
            assert.ok(Object.hasOwn(outcome.fields, 'code') || Object.hasOwn(outcome.fields, 'error'));
            const ended = outcome.fields;
            if (known === -1)
              assert.ok(
                allCandidates.some((c) => isDeepStrictEqual(c, ended)),
                'it ended with one of the qualifying redirects',
              );
          }
          if (candidates.length > 0) assert.ok(outcome !== undefined, 'a qualifying redirect ends the wait');
          else if (known === -1) assert.equal(outcome, undefined, 'no request carried the state and a code or error');
        } finally {
          await server.close();
          await waiting;
        }
        if (outcome !== undefined && 'error' in outcome) assert.ok(outcome.error instanceof RequestAbortedError, String(outcome.error));
      }),
      BUDGET,
    );
  });
});

describe('loopback server fuzz regressions', () => {
  async function redirectOnce(query: string): Promise<{ status: number; fields: AuthResponse | undefined }> {
    const server = await startLoopbackServer();
    let fields: AuthResponse | undefined;
    const waiting = server.waitForResponse({ state: STATE }).then(
      (f) => (fields = f),
      () => undefined,
    );
    const port = Number(new URL(server.redirectUri).port);
    const answer = await exchange(port, Buffer.from(`GET /?${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    await server.close();
    await waiting;
    return { status: Number(answer.toString('latin1').split(' ')[1]), fields };
  }

  it('a field named __proto__ is kept, not swallowed by the prototype setter, and a repeated one is refused', async () => {
    const kept = await redirectOnce(`code=c&state=${STATE}&__proto__=x`);
    assert.equal(kept.status, 200);
    assert.deepEqual(
      kept.fields,
      Object.fromEntries([
        ['code', 'c'],
        ['state', STATE],
        ['__proto__', 'x'],
      ]),
    );
    const repeated = await redirectOnce(`code=c&state=${STATE}&__proto__=x&__proto__=y`);
    assert.equal(repeated.status, 400);
    assert.equal(repeated.fields, undefined);
  });
});
