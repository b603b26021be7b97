/**
 * The request half of the default {@link HttpClient} ({@link createHttpClient}): undici itself, TLS trust, proxies,
 * timeouts and body limits. Loaded by the client on its first request, so a process that only reads its token cache
 * neither loads nor compiles it.
 */
import { readFile } from 'node:fs/promises';
import type { Dispatcher, request as undiciRequestFn } from 'undici';
import { InvalidResponseError, MsalError, NetworkError, RequestAbortedError, RequestTimeoutError } from '../errors.js';
import type { HttpRequest, HttpResponse } from './http-client.js';
import type { Settings } from './undici-http-client.js';

const PROXY_ENV_NAMES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'] as const;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

type RequestFn = typeof undiciRequestFn;

interface Runtime {
  request: RequestFn;
  dispatcher: Dispatcher;
  /** A proxy-free dispatcher for local targets, when a proxy is in use and local targets bypass it. */
  direct: Dispatcher | undefined;
}

/** One client's undici dispatchers, made on the first request. */
export class UndiciTransport {
  readonly #settings: Settings;
  #loaded: Promise<Runtime> | undefined;

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  #runtime(): Promise<Runtime> {
    this.#loaded ??= loadRuntime(this.#settings);
    return this.#loaded;
  }

  /** Sends one request; resolves for every HTTP status. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    const target = checkRequest(request);
    const correlationId = request.headers['client-request-id'];
    const what = `${request.method} ${target.origin}${target.pathname}`;
    const callerSignal = request.signal;
    if (callerSignal?.aborted === true) {
      throw new RequestAbortedError(`${what}: aborted by the caller`, { cause: callerSignal.reason, correlationId });
    }
    const timeoutSignal = AbortSignal.timeout(this.#settings.timeoutMs);
    const signal = callerSignal === undefined ? timeoutSignal : AbortSignal.any([callerSignal, timeoutSignal]);
    try {
      const { request: undiciRequest, dispatcher, direct } = await this.#runtime();
      const res = await undiciRequest(target, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        dispatcher: direct !== undefined && isLocalHost(target.hostname) ? direct : dispatcher,
        signal,
      });
      const headers = flattenHeaders(res.headers);
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > this.#settings.maxBodyBytes) {
        // destroy() makes undici emit an abort 'error'; with no listener that would be an uncaught exception.
        res.body.on('error', () => undefined);
        res.body.destroy();
        throw tooLarge(this.#settings.maxBodyBytes, res.statusCode, correlationId);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let overflow = false;
      // Leaving the loop with `break` (not `throw`) lets the iterator close the stream quietly.
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.#settings.maxBodyBytes) {
          overflow = true;
          break;
        }
        chunks.push(chunk);
      }
      if (overflow) throw tooLarge(this.#settings.maxBodyBytes, res.statusCode, correlationId);
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      throw mapError(err, { what, callerSignal, timeoutSignal, timeoutMs: this.#settings.timeoutMs, correlationId });
    }
  }

  /** Closes the dispatchers (a later request makes new ones). */
  async close(): Promise<void> {
    const current = this.#loaded;
    this.#loaded = undefined;
    if (current === undefined) return;
    const loaded = await current.catch(() => undefined);
    await loaded?.dispatcher.close();
    await loaded?.direct?.close();
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
