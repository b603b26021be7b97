/**
 * The default {@link HttpClient}: undici with custom trust, proxies (explicit or from the environment) and timeouts,
 * the knobs MSAL Python takes as `verify`, `proxies` and `timeout`.
 *
 * undici, and the request code around it (undici-transport.ts), are loaded on the first request, never at import
 * time: a process that only reads its token cache does not pay for them. The options are checked here, at creation.
 */
import { createLogSink, type Logger } from '../logger.js';
import type { HttpClient, HttpRequest, HttpResponse } from './http-client.js';
import type { UndiciTransport } from './undici-transport.js';
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
  let transport: Promise<UndiciTransport> | undefined;
  const load = (): Promise<UndiciTransport> => {
    transport ??= import('./undici-transport.js').then(
      (m) => new m.UndiciTransport(settings),
      (err: unknown) => {
        transport = undefined;
        throw err;
      },
    );
    return transport;
  };
  const send = async (request: HttpRequest): Promise<HttpResponse> => (await load()).send(request);
  const close = async (): Promise<void> => {
    const current = transport;
    transport = undefined;
    if (current !== undefined) await (await current).close();
  };
  return { send, close };
}

/** The checked options of one client. */
export interface Settings {
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
