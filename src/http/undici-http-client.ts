/**
 * The default {@link HttpClient}: undici with custom trust, proxies (explicit or from the environment) and timeouts,
 * the knobs MSAL Python takes as `verify`, `proxies` and `timeout`.
 *
 * undici is loaded on the first request, never at import time: a process that only reads its token cache does not
 * pay for it.
 */
import { readFile } from 'node:fs/promises';
import type { Dispatcher, request as undiciRequestFn } from 'undici';
import { InvalidResponseError, MsalError, NetworkError, RequestAbortedError, RequestTimeoutError } from '../errors.js';
import { createLogSink, type Logger } from '../logger.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import { checkOptionKeys, optionShape } from '../util/options.js';

/** Options of {@link createHttpClient}. */
export interface HttpClientOptions {
  /**
   * Which certificate authorities to trust, as MSAL Python's `verify`:
   * - `true` (default): Node's default trust store (its bundled Mozilla roots, plus `NODE_EXTRA_CA_CERTS`; start Node
   *   with `--use-openssl-ca` to use the operating system's store instead).
   * - a string: the path of a PEM bundle of CA certificates. It REPLACES the default trust store, as `requests` does
   *   with `verify="bundle.pem"`: include every root you need. Read on the first request.
   * - `false`: no certificate verification at all. **Insecure**: anyone on the network path can read and change
   *   traffic, including tokens and client secrets. For local experiments only.
   */
  verify?: boolean | string | undefined;
  /**
   * PEM text of CA certificates to trust, for users who hold the bundle in memory. Same meaning as a `verify` path: it
   * replaces the default trust store. When both `ca` and a `verify` path are given, both bundles are trusted.
   */
  ca?: string | undefined;
  /**
   * Proxy URL for every request, `http://[user:password@]host:port` (or `https://`). HTTPS requests tunnel through it
   * with `CONNECT`; credentials in the URL are sent as `Proxy-Authorization: Basic`. Without this option the
   * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` environment variables (or their lower-case forms) are honoured, as
   * `requests` does; they are read on the first request.
   */
  proxy?: string | undefined;
  /**
   * Never send link-local and loopback targets (`169.254.0.0/16` such as IMDS's `169.254.169.254`, `127.0.0.0/8`,
   * `::1`, `localhost`) through a proxy, whether the proxy comes from `proxy` or the environment: a corporate proxy
   * cannot reach this machine's metadata endpoints, and must not see their requests. Default false.
   */
  bypassProxyForLocalTargets?: boolean | undefined;
  /** Limit for a whole request, from sending to the last byte of the body, in milliseconds. Default 30000. */
  timeoutMs?: number | undefined;
  /** Limit for establishing the TCP + TLS connection, in milliseconds. Default 10000. */
  connectTimeoutMs?: number | undefined;
  /** Largest response body accepted, in bytes; a larger one rejects with `InvalidResponseError`. Default 10 MiB. */
  maxBodyBytes?: number | undefined;
  /**
   * Receives one `warning` when this client will not verify certificates: `verify: false`, or
   * `NODE_TLS_REJECT_UNAUTHORIZED=0` in the environment when the client is created (Node then skips verification for
   * every TLS connection that does not set it explicitly). Applications pass their own `logger` here.
   */
  logger?: Logger | undefined;
}

/** An {@link HttpClient} that owns connections; `close()` releases them. */
export interface ClosableHttpClient extends HttpClient {
  /** Closes idle connections and lets in-flight requests finish. Later requests open new connections. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024;
const PROXY_ENV_NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type RequestFn = typeof undiciRequestFn;

interface Runtime {
  request: RequestFn;
  dispatcher: Dispatcher;
  /** A proxy-free dispatcher for local targets, when a proxy is in use and local targets bypass it. */
  direct: Dispatcher | undefined;
}

const HTTP_CLIENT_OPTIONS = optionShape<HttpClientOptions>('createHttpClient options', {
  verify: true,
  ca: true,
  proxy: true,
  bypassProxyForLocalTargets: true,
  timeoutMs: true,
  connectTimeoutMs: true,
  maxBodyBytes: true,
  logger: true,
});

/**
 * Creates the default HTTP client.
 *
 * @param options - trust, proxy and timeout settings; see {@link HttpClientOptions}.
 * @returns a client whose `send` resolves for every HTTP status and rejects with `NetworkError`,
 *   `RequestTimeoutError`, `RequestAbortedError` or (body too large) `InvalidResponseError`.
 * @throws TypeError / RangeError when an option is malformed (checked here, before any I/O).
 *
 * @example
 * ```ts
 * const http = createHttpClient({ proxy: 'http://proxy.corp:3128', verify: '/etc/ssl/corp-ca.pem' });
 * const res = await http.send({ method: 'GET', url: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration', headers: {} });
 * ```
 */
export function createHttpClient(options: HttpClientOptions = {}): ClosableHttpClient {
  checkOptionKeys(options, HTTP_CLIENT_OPTIONS);
  const settings = checkOptions(options);
  warnIfUnverified(settings, options.logger);
  let runtime: Promise<Runtime> | undefined;

  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    const target = checkRequest(request);
    const correlationId = request.headers['client-request-id'];
    const what = `${request.method} ${target.origin}${target.pathname}`;
    const callerSignal = request.signal;
    if (callerSignal?.aborted === true) {
      throw new RequestAbortedError(`${what}: aborted by the caller`, { cause: callerSignal.reason, correlationId });
    }
    const timeoutSignal = AbortSignal.timeout(settings.timeoutMs);
    const signal = callerSignal === undefined ? timeoutSignal : AbortSignal.any([callerSignal, timeoutSignal]);
    try {
      runtime ??= loadRuntime(settings);
      const { request: undiciRequest, dispatcher, direct } = await runtime;
      const res = await undiciRequest(target, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        dispatcher: direct !== undefined && isLocalHost(target.hostname) ? direct : dispatcher,
        signal,
      });
      const headers = flattenHeaders(res.headers);
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > settings.maxBodyBytes) {
        // destroy() makes undici emit an abort 'error'; with no listener that would be an uncaught exception.
        res.body.on('error', () => undefined);
        res.body.destroy();
        throw tooLarge(settings.maxBodyBytes, res.statusCode, correlationId);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let overflow = false;
      // Leaving the loop with `break` (not `throw`) lets the iterator close the stream quietly.
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > settings.maxBodyBytes) {
          overflow = true;
          break;
        }
        chunks.push(chunk);
      }
      if (overflow) throw tooLarge(settings.maxBodyBytes, res.statusCode, correlationId);
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      throw mapError(err, { what, callerSignal, timeoutSignal, timeoutMs: settings.timeoutMs, correlationId });
    }
  };

  const close = async (): Promise<void> => {
    const current = runtime;
    runtime = undefined;
    if (current === undefined) return;
    const loaded = await current.catch(() => undefined);
    await loaded?.dispatcher.close();
    await loaded?.direct?.close();
  };

  return { send, close };
}

interface Settings {
  bypassLocal: boolean;
  verify: boolean | string;
  ca: string | undefined;
  proxy: string | undefined;
  timeoutMs: number;
  connectTimeoutMs: number;
  maxBodyBytes: number;
}

function checkOptions(options: HttpClientOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const verify = options.verify ?? true;
  if (typeof verify !== 'boolean' && (typeof verify !== 'string' || verify === '')) {
    throw new TypeError('options.verify must be a boolean or the path of a PEM CA bundle');
  }
  if (options.ca !== undefined && (typeof options.ca !== 'string' || !options.ca.includes('-----BEGIN CERTIFICATE-----'))) {
    throw new TypeError('options.ca must be PEM text containing at least one CERTIFICATE');
  }
  if (verify === false && options.ca !== undefined) {
    throw new TypeError('options.ca cannot be combined with options.verify = false (nothing would be verified)');
  }
  if (options.proxy !== undefined) checkProxyUrl(options.proxy);
  const bypassLocal = options.bypassProxyForLocalTargets ?? false;
  if (typeof bypassLocal !== 'boolean') throw new TypeError('options.bypassProxyForLocalTargets must be a boolean');
  return {
    bypassLocal,
    verify,
    ca: options.ca,
    proxy: options.proxy,
    timeoutMs: checkPositive('options.timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
    connectTimeoutMs: checkPositive('options.connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    maxBodyBytes: checkPositive('options.maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
  };
}

/** Says once, at creation, that this client's TLS is unverified: silently insecure is the failure to avoid. */
function warnIfUnverified(settings: Settings, logger: Logger | undefined): void {
  const log = createLogSink(logger);
  const message = 'TLS certificate verification is off: anyone on the network path can read and change tokens and secrets';
  if (settings.verify === false) {
    log.warning(`${message} (verify: false; use it for local experiments only)`, { tlsVerification: 'off', setting: 'verify=false' });
  } else if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
    log.warning(`${message} (NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment; unset it)`, {
      tlsVerification: 'off',
      setting: 'NODE_TLS_REJECT_UNAUTHORIZED=0',
    });
  }
}

function checkPositive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number`);
  }
  return value;
}

function checkProxyUrl(proxy: unknown): void {
  // The message never repeats the URL: it may carry a password.
  if (typeof proxy !== 'string' || !URL.canParse(proxy)) {
    throw new TypeError('options.proxy must be a URL such as http://user:password@host:port');
  }
  const { protocol } = new URL(proxy);
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new TypeError(`options.proxy must be an http:// or https:// URL, not ${protocol}//`);
  }
}

function checkRequest(request: HttpRequest): URL {
  if (typeof request !== 'object' || request === null) throw new TypeError('request must be an object');
  if (request.method !== 'GET' && request.method !== 'POST') throw new TypeError('request.method must be GET or POST');
  if (typeof request.url !== 'string' || !URL.canParse(request.url)) throw new TypeError('request.url must be an absolute URL');
  const url = new URL(request.url);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`request.url must be an https:// or http:// URL, not ${url.protocol}//`);
  }
  if (typeof request.headers !== 'object' || request.headers === null) throw new TypeError('request.headers must be an object');
  return url;
}

async function loadRuntime(settings: Settings): Promise<Runtime> {
  const tls = await tlsOptions(settings);
  const undici = await import('undici');
  let dispatcher: Dispatcher;
  if (settings.proxy !== undefined) {
    // proxyTls carries the same trust as requestTls: with `verify` pointing at a corporate bundle, an https:// proxy
    // is usually signed by that same corporate CA.
    dispatcher = new undici.ProxyAgent({ uri: settings.proxy, requestTls: tls, proxyTls: tls });
  } else if (PROXY_ENV_NAMES.some((name) => (process.env[name] ?? '') !== '')) {
    dispatcher = new undici.EnvHttpProxyAgent({ connect: tls, requestTls: tls, proxyTls: tls });
  } else {
    return { request: undici.request, dispatcher: new undici.Agent({ connect: tls }), direct: undefined };
  }
  const direct = settings.bypassLocal ? new undici.Agent({ connect: tls }) : undefined;
  return { request: undici.request, dispatcher, direct };
}

/**
 * Whether a URL host is this machine or link-local: `localhost` (and `*.localhost`), 127.0.0.0/8, `::1`,
 * 169.254.0.0/16 and fe80::/10. `hostname` is as `URL` gives it (IPv6 in brackets).
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || /^fe[89ab][0-9a-f]:/.test(host)) return true;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(host.replace(/^::ffff:/, ''));
  if (v4 === null) return false;
  return v4[1] === '127' || (v4[1] === '169' && v4[2] === '254');
}

interface TlsOptions {
  timeout: number;
  rejectUnauthorized?: boolean;
  ca?: string[];
}

async function tlsOptions(settings: Settings): Promise<TlsOptions> {
  const tls: TlsOptions = { timeout: settings.connectTimeoutMs };
  if (settings.verify === false) {
    tls.rejectUnauthorized = false;
    return tls;
  }
  const ca: string[] = [];
  if (typeof settings.verify === 'string') {
    let text: string;
    try {
      text = await readFile(settings.verify, 'utf8');
    } catch (err) {
      throw new TypeError(`options.verify: cannot read the CA bundle file ${settings.verify}`, { cause: err });
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) {
      throw new TypeError(`options.verify: ${settings.verify} holds no PEM CERTIFICATE`);
    }
    ca.push(text);
  }
  if (settings.ca !== undefined) ca.push(settings.ca);
  if (ca.length > 0) tls.ca = ca;
  return tls;
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function tooLarge(limit: number, status: number, correlationId: string | undefined): InvalidResponseError {
  return new InvalidResponseError('HTTP response', `body larger than ${limit} bytes`, { status, correlationId });
}

interface FailureContext {
  what: string;
  callerSignal: AbortSignal | undefined;
  timeoutSignal: AbortSignal;
  timeoutMs: number;
  correlationId: string | undefined;
}

function mapError(err: unknown, ctx: FailureContext): unknown {
  const { what, correlationId } = ctx;
  // Caller misuse and our own coded errors pass through unchanged.
  if (err instanceof MsalError || err instanceof TypeError || err instanceof RangeError) return err;
  if (ctx.callerSignal?.aborted === true) {
    return new RequestAbortedError(`${what}: aborted by the caller`, { cause: ctx.callerSignal.reason, correlationId });
  }
  if (ctx.timeoutSignal.aborted) {
    return new RequestTimeoutError(`${what}: no complete response within ${ctx.timeoutMs} ms`, { cause: err, correlationId });
  }
  const code = errorCode(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new RequestTimeoutError(`${what}: ${code}`, { cause: err, correlationId });
  }
  // Messages of socket, TLS and proxy errors name hosts and codes, never request bodies.
  const detail = err instanceof Error ? err.message : String(err);
  return new NetworkError(`${what}: ${code === undefined ? '' : `${code}: `}${detail}`, { cause: err, correlationId });
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
