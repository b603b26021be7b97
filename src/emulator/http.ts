/**
 * The emulator's request and response values. Handlers return a response value instead of writing to the socket, so
 * the server can apply injected faults (truncation, malformed bodies) to any endpoint in one place.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** One parsed request, as handlers see it. */
export interface EmulatorRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  /** The form body of a `application/x-www-form-urlencoded` POST; empty otherwise. */
  form: URLSearchParams;
  rawBody: string;
  /** The client's `client-request-id`, or a fresh GUID when it sent none. */
  correlationId: string;
  traceId: string;
}

/** One response, not yet sent. */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Reads a request body as UTF-8, or resolves `undefined` when it is longer than `maxBytes`. An oversized body is
 * drained rather than kept, so the listener can still answer (413) on the same connection.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => done(size > maxBytes ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

const NO_STORE = { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' };

/** A JSON response with the caching headers Entra sends. */
export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(value),
  };
}

/** An HTML page. */
export function htmlResponse(status: number, html: string): EmulatorResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8', ...NO_STORE }, body: html };
}

/** A 302 redirect. */
export function redirectResponse(location: string): EmulatorResponse {
  return { status: 302, headers: { location, ...NO_STORE }, body: '' };
}

/** A response without a body. */
export function emptyResponse(status: number): EmulatorResponse {
  return { status, headers: NO_STORE, body: '' };
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A plain HTML page in the emulator's look; `body` must already be escaped. */
export function page(title: string, body: string): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}' +
    'code{background:#f3f3f3;padding:0 .2rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}' +
    'input[type=text],input[type=password]{display:block;width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #767676}' +
    'button{margin:1rem .5rem 0 0;padding:.5rem 1.5rem;font-size:1rem;border:1px solid #0067b8;background:#0067b8;color:#fff;cursor:pointer}' +
    'button.secondary{background:#fff;color:#0067b8}button:focus-visible,input:focus-visible{outline:2px solid #1b1b1b;outline-offset:2px}' +
    '.error{color:#a80000;font-weight:600}li{margin:.25rem 0}</style></head>' +
    `<body><main><h1>${escapeHtml(title)}</h1>${body}</main><footer><p><small>msal-ts Entra ID emulator</small></p></footer></body></html>`
  );
}

/**
 * Writes a response with its `content-length`; with `truncate`, only the first half of the body, then the connection
 * is destroyed (the `truncated` fault).
 */
export function writeResponse(res: ServerResponse, response: EmulatorResponse, truncate = false): void {
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, { ...response.headers, 'content-length': String(body.length) });
  if (truncate) res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.destroy());
  else res.end(body);
}

/**
 * A request listener around an async dispatcher: an error it throws becomes a 500 with Entra's error shape, or, once
 * the headers are out, a destroyed connection.
 */
export function listenerFor(dispatch: (req: IncomingMessage, res: ServerResponse) => Promise<void>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    dispatch(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'server_error', error_description: `msal-ts emulator internal error: ${message}` }));
    });
  };
}
