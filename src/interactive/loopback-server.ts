/**
 * The loopback redirect server of interactive sign-in (RFC 8252 section 7.3): an `http` server on 127.0.0.1, and on
 * [::1] at the same port, that receives the authorization response, as a query (GET) or a form (POST, `response_mode=form_post`), answers the
 * browser with a page, and stops listening as soon as it has what it waited for.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BrowserInteractionTimeoutError, LoopbackPortInUseError, NetworkError, RequestAbortedError } from '../errors.js';
import {
  BAD_REQUEST_PAGE,
  BUSY_PAGE,
  DEFAULT_ERROR_TEMPLATE,
  DEFAULT_SUCCESS_TEMPLATE,
  FINISHED_PAGE,
  NOT_FOUND_PAGE,
  STATE_MISMATCH_PAGE,
  WAITING_PAGE,
  fillTemplate,
} from './page-template.js';
import type { AuthResponse, LoopbackServer, LoopbackServerOptions } from './types.js';

const MAX_BODY_BYTES = 64 * 1024;
/** Responses held before `waitForResponse` is called: a browser sends one; more is a local process flooding the port. */
const MAX_EARLY = 8;
/** Attempts at a free port whose IPv4 and IPv6 loopback sides are both free (another process may take one meanwhile). */
const BIND_ATTEMPTS = 8;
/** Browsers keep spare connections open; after the answer they get this long before they are cut. */
const LINGER_MS = 1000;
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // Defence in depth: even a template that escaped nothing could not run script or leak the code in a Referer.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

interface Waiter {
  state: string;
  resolve(value: AuthResponse): void;
  reject(reason: unknown): void;
  dispose(): void;
}

interface Arrival {
  fields: AuthResponse;
  res: ServerResponse;
}

function checkOptions(options: LoopbackServerOptions): Required<Pick<LoopbackServerOptions, 'redirectHost'>> & {
  port: number;
  successTemplate: string;
  errorTemplate: string;
} {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const port = options.port ?? 0;
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError('options.port must be an integer');
  if (port < 0 || port > 65535) throw new RangeError('options.port must be from 0 to 65535');
  const host = options.redirectHost ?? 'localhost';
  if (host !== 'localhost' && host !== '127.0.0.1') throw new TypeError("options.redirectHost must be 'localhost' or '127.0.0.1'");
  for (const name of ['successTemplate', 'errorTemplate'] as const) {
    const t = options[name];
    if (t !== undefined && typeof t !== 'string') throw new TypeError(`options.${name} must be a string`);
  }
  return {
    port,
    redirectHost: host,
    successTemplate: options.successTemplate ?? DEFAULT_SUCCESS_TEMPLATE,
    errorTemplate: options.errorTemplate ?? DEFAULT_ERROR_TEMPLATE,
  };
}

function sendPage(res: ServerResponse, status: number, html: string, last = false): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...PAGE_HEADERS, 'content-length': String(Buffer.byteLength(html)) };
  if (last) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(html);
}

/** The form body of a POST, or undefined when it is too large or not a form. */
function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', () => resolve(undefined));
  });
}

/** The fields as a record, or undefined when a field repeats (an ambiguous `state` or `code` is refused, not guessed). */
function toFields(params: URLSearchParams): AuthResponse | undefined {
  const seen = new Set<string>();
  for (const k of params.keys()) {
    if (seen.has(k)) return undefined;
    seen.add(k);
  }
  // fromEntries defines own properties: an assignment of "__proto__" would hit the prototype setter and vanish.
  return Object.fromEntries(params);
}

function listenOn(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host, ipv6Only: true, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/** IPv6 is off on this host (no ::1): nobody can bind it, so 127.0.0.1 alone is enough. */
const NO_IPV6 = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT']);

/**
 * Listens on 127.0.0.1 and on [::1] at the same port. The redirect URI says `localhost`, which a browser may resolve to
 * ::1 first: were that side left free, any local process could bind it and receive the code and state. With port 0, a
 * port whose ::1 side is taken meanwhile is given up for another.
 *
 * @returns the port, and the servers that listen (one when the host has no IPv6).
 */
async function listenLoopback(v4: Server, v6: Server, port: number): Promise<{ port: number; servers: Server[] }> {
  const fail = (err: NodeJS.ErrnoException, host: string, at: number): Error =>
    err.code === 'EADDRINUSE' ? new LoopbackPortInUseError(at, { cause: err }) : new NetworkError(`could not listen on ${host}:${at}`, { cause: err });
  for (let attempt = 1; ; attempt++) {
    let bound: number;
    try {
      // 127.0.0.1 only: MSAL Python binds 0.0.0.0 inside containers, which exposes the code to the network.
      bound = await listenOn(v4, port, '127.0.0.1');
    } catch (err) {
      throw fail(err as NodeJS.ErrnoException, '127.0.0.1', port);
    }
    try {
      await listenOn(v6, bound, '::1');
      return { port: bound, servers: [v4, v6] };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (NO_IPV6.has(code)) return { port: bound, servers: [v4] };
      await closeServer(v4);
      if (code !== 'EADDRINUSE' || port !== 0 || attempt >= BIND_ATTEMPTS) throw fail(err as NodeJS.ErrnoException, '[::1]', bound);
    }
  }
}

/** Answers a request that is not a sign-in response; returns the response's fields, or `undefined` once answered. */
async function readAuthResponse(req: IncomingMessage, res: ServerResponse, ownHosts: ReadonlySet<string>): Promise<AuthResponse | undefined> {
  // Only the redirect to this server's own loopback address counts: a page that rebinds its DNS name to 127.0.0.1
  // reaches this port too, under its own Host name.
  if (!ownHosts.has((req.headers.host ?? '').toLowerCase())) {
    req.resume();
    sendPage(res, 400, BAD_REQUEST_PAGE);
    return undefined;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/') {
    req.resume();
    sendPage(res, 404, NOT_FOUND_PAGE);
    return undefined;
  }
  let params: URLSearchParams | undefined;
  if (req.method === 'GET') params = url.searchParams;
  else if (req.method === 'POST') params = await readForm(req);
  else {
    req.resume();
    res.setHeader('allow', 'GET, POST');
    sendPage(res, 405, BAD_REQUEST_PAGE);
    return undefined;
  }
  const fields = params === undefined ? undefined : toFields(params);
  if (fields === undefined) {
    sendPage(res, 400, BAD_REQUEST_PAGE);
    return undefined;
  }
  if (!Object.hasOwn(fields, 'code') && !Object.hasOwn(fields, 'error')) {
    sendPage(res, 400, WAITING_PAGE);
    return undefined;
  }
  return fields;
}

/** The misuse of `waitForResponse`'s arguments, or `undefined` when they are fine. */
function checkWaitArgs(args: unknown): Error | undefined {
  if (typeof args !== 'object' || args === null) return new TypeError('waitForResponse needs { state }');
  const { state, timeoutMs, signal } = args as Record<string, unknown>;
  if (typeof state !== 'string' || state === '') return new TypeError('state must be a non-empty string');
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs))) {
    return new RangeError('timeoutMs must be a positive finite number of milliseconds');
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) return new TypeError('signal must be an AbortSignal');
  return undefined;
}

/** One server's sign-in: the responses that arrived, who waits for one, and the shutdown. */
class LoopbackSession {
  waiter: Waiter | undefined;
  waitCalled = false;
  finished = false;
  // Responses that arrive before waitForResponse is called (a fast browser) are held, unanswered, until it is.
  readonly early: Arrival[] = [];
  // Filled once the port is known; no request can arrive before.
  readonly ownHosts = new Set<string>();
  servers: Server[];
  closed: Promise<void> = Promise.resolve();
  redirectUri = '';

  constructor(
    readonly checked: ReturnType<typeof checkOptions>,
    servers: Server[],
  ) {
    this.servers = servers;
  }

  shutDown(graceful: boolean): void {
    if (!this.finished) this.finished = true;
    for (const a of this.early.splice(0)) sendPage(a.res, 410, FINISHED_PAGE, true);
    for (const server of this.servers) {
      if (server.listening) server.close();
      if (!graceful) {
        server.closeAllConnections();
        continue;
      }
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), LINGER_MS).unref();
    }
  }

  /** Answers one response while waiting; true when it ended the wait. */
  consider(w: Waiter, { fields, res }: Arrival): boolean {
    if (fields.state !== w.state) {
      sendPage(res, 400, STATE_MISMATCH_PAGE);
      return false;
    }
    const isError = Object.hasOwn(fields, 'error');
    sendPage(res, isError ? 400 : 200, fillTemplate(isError ? this.checked.errorTemplate : this.checked.successTemplate, fields), true);
    this.waiter = undefined;
    w.dispose();
    this.shutDown(true);
    w.resolve(fields);
    return true;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = await readAuthResponse(req, res, this.ownHosts);
    if (fields === undefined) return;
    if (this.finished) {
      sendPage(res, 410, FINISHED_PAGE, true);
      return;
    }
    if (this.waiter !== undefined) this.consider(this.waiter, { fields, res });
    else if (this.early.length < MAX_EARLY) this.early.push({ fields, res });
    else sendPage(res, 503, BUSY_PAGE, true);
  }

  waitForResponse(args: Parameters<LoopbackServer['waitForResponse']>[0]): Promise<AuthResponse> {
    const misuse = checkWaitArgs(args);
    if (misuse !== undefined) return Promise.reject(misuse);
    const { state, timeoutMs, signal } = args;
    if (this.waitCalled) return Promise.reject(new TypeError('waitForResponse was already called on this server; start a new one'));
    if (this.finished) return Promise.reject(new TypeError('the loopback server is closed; start a new one'));
    this.waitCalled = true;
    if (signal?.aborted === true) {
      this.shutDown(false);
      return Promise.reject(new RequestAbortedError('the sign-in was aborted', { cause: signal.reason }));
    }
    return new Promise<AuthResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: Error): void => {
        if (this.waiter !== w) return;
        this.waiter = undefined;
        w.dispose();
        this.shutDown(false);
        reject(err);
      };
      const onAbort = (): void => fail(new RequestAbortedError('the sign-in was aborted', { cause: signal?.reason }));
      const w: Waiter = {
        state,
        resolve,
        reject: fail,
        dispose: () => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      this.waiter = w;
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => fail(new BrowserInteractionTimeoutError(`no sign-in response reached ${this.redirectUri} within ${timeoutMs} ms`)), timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      while (this.early.length > 0 && this.waiter === w) {
        const next = this.early.shift();
        if (next !== undefined) this.consider(w, next);
      }
    });
  }

  close(): Promise<void> {
    const w = this.waiter;
    if (w !== undefined) w.reject(new RequestAbortedError('the loopback server was closed while waiting for the sign-in'));
    else this.shutDown(false);
    return this.closed;
  }
}

/**
 * Starts the loopback redirect server on 127.0.0.1 and [::1] (same port), so no other local process can take the
 * address a browser resolves `localhost` to. At most 8 responses that arrive before `waitForResponse` are held; more
 * are answered 503 at once.
 *
 * @param options - Port (0 or absent: a free one), the host name of the redirect URI, and the success and error pages.
 * @returns The running server: send its `redirectUri` in the authorize request, then `waitForResponse({ state })`.
 * @throws TypeError or RangeError for an invalid option (before listening); {@link LoopbackPortInUseError} when the
 *   chosen port is busy; {@link NetworkError} when listening fails otherwise.
 * @example
 * ```ts
 * const server = await startLoopbackServer();
 * await openBrowser(authorizeUrlWith(server.redirectUri, state));
 * const response = await server.waitForResponse({ state, timeoutMs: 300_000 });
 * // response.code or response.error; the server has stopped listening.
 * ```
 */
export async function startLoopbackServer(options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
  const checked = checkOptions(options);
  const v4 = createServer();
  const v6 = createServer();
  const session = new LoopbackSession(checked, [v4, v6]);
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    session.handle(req, res).catch(() => res.destroy());
  };
  v4.on('request', onRequest);
  v6.on('request', onRequest);

  const listening = await listenLoopback(v4, v6, checked.port);
  const port = listening.port;
  session.servers = listening.servers;
  session.closed = Promise.all(listening.servers.map((server) => new Promise<void>((resolve) => server.once('close', () => resolve())))).then(() => undefined);
  session.redirectUri = `http://${checked.redirectHost}:${port}`;
  session.ownHosts.add(`localhost:${port}`).add(`127.0.0.1:${port}`);
  if (listening.servers.includes(v6)) session.ownHosts.add(`[::1]:${port}`);

  return {
    redirectUri: session.redirectUri,
    waitForResponse: (args) => session.waitForResponse(args),
    close: () => session.close(),
  };
}
