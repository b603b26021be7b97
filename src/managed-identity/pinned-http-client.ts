/**
 * Service Fabric's token service presents a certificate of the cluster's own, usually self-signed; the cluster tells
 * the application its thumbprint in `IDENTITY_SERVER_THUMBPRINT`. So the default client for Service Fabric trusts
 * exactly that certificate: chain validation is replaced by a thumbprint comparison made on the TLS socket before any
 * byte of the request (with its secret header) is written.
 *
 * undici is loaded on the first request, never at import time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Dispatcher } from 'undici';
import { InvalidResponseError, MsalError, NetworkError, RequestAbortedError, RequestTimeoutError } from '../errors.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/http-client.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** Hex of a SHA-1 (40) or SHA-256 (64) thumbprint, with or without colons, any case. */
function normalizeThumbprint(thumbprint: string): Buffer {
  const hex = thumbprint.replace(/:/g, '').trim().toLowerCase();
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(hex)) {
    throw new TypeError('IDENTITY_SERVER_THUMBPRINT must be a SHA-1 or SHA-256 certificate thumbprint in hex');
  }
  return Buffer.from(hex, 'hex');
}

/** An undici agent that drops a connection whose peer certificate digest is not `pinned`. */
async function pinnedAgent(pinned: Buffer): Promise<Dispatcher> {
  const undici = await import('undici');
  // No TLS session resumption: a resumed session shows no peer certificate, so every connection must be a full handshake.
  const connector = undici.buildConnector({ rejectUnauthorized: false, timeout: 10_000, maxCachedSessions: 0 });
  return new undici.Agent({
    connect: (options, callback) => {
      connector(options, (err, socket) => {
        if (err !== null) {
          callback(err, null);
          return;
        }
        // A plain TCP socket has no certificate to pin: it fails the check like a wrong certificate.
        const tls = socket as Partial<TLSSocket>;
        const raw = typeof tls.getPeerCertificate === 'function' ? (tls.getPeerCertificate().raw as Buffer | undefined) : undefined;
        const digest =
          raw === undefined
            ? undefined
            : createHash(pinned.length === 20 ? 'sha1' : 'sha256')
                .update(raw)
                .digest();
        if (digest === undefined || !timingSafeEqual(digest, pinned)) {
          socket.destroy();
          callback(new Error('the server certificate does not match IDENTITY_SERVER_THUMBPRINT'), null);
          return;
        }
        callback(null, socket);
      });
    },
  });
}

/**
 * An {@link HttpClient} that accepts an HTTPS server only when its certificate has `thumbprint`.
 *
 * @param thumbprint - SHA-1 or SHA-256 hex thumbprint.
 * @param timeoutMs - Whole-request limit.
 * @throws TypeError when the thumbprint is not hex of the right length.
 */
export function createPinnedHttpClient(thumbprint: string, timeoutMs = 30_000): HttpClient & { close(): Promise<void> } {
  const pinned = normalizeThumbprint(thumbprint);
  let dispatcher: Promise<Dispatcher> | undefined;
  const load = (): Promise<Dispatcher> => pinnedAgent(pinned);

  const send = async (request: HttpRequest): Promise<HttpResponse> => {
    if (!request.url.startsWith('https://')) throw new TypeError('request.url must be an https:// URL: the server is identified by its certificate');
    const what = `${request.method} ${new URL(request.url).origin}`;
    const correlationId = request.headers['x-ms-client-request-id'];
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal === undefined ? timeout : AbortSignal.any([request.signal, timeout]);
    try {
      dispatcher ??= load();
      const { request: undiciRequest } = await import('undici');
      const res = await undiciRequest(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        dispatcher: await dispatcher,
        signal,
      });
      const tooLarge = (): InvalidResponseError =>
        new InvalidResponseError('managed identity response', `body larger than ${MAX_BODY_BYTES} bytes`, { status: res.statusCode, correlationId });
      if (Number(res.headers['content-length']) > MAX_BODY_BYTES) {
        // destroy() makes undici emit an abort 'error'; with no listener that would be an uncaught exception.
        res.body.on('error', () => undefined);
        res.body.destroy();
        throw tooLarge();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      // Leaving the loop with `break` (not `throw`) lets the iterator close the stream quietly.
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) break;
        chunks.push(chunk);
      }
      if (size > MAX_BODY_BYTES) throw tooLarge();
      const headers: Record<string, string> = {};
      for (const [name, v] of Object.entries(res.headers)) {
        if (v !== undefined) headers[name.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      return { status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      if (err instanceof MsalError) throw err;
      if (request.signal?.aborted === true) throw new RequestAbortedError(`${what}: aborted by the caller`, { cause: err, correlationId });
      if (timeout.aborted) throw new RequestTimeoutError(`${what}: no complete response within ${timeoutMs} ms`, { cause: err, correlationId });
      throw new NetworkError(`${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err, correlationId });
    }
  };

  const close = async (): Promise<void> => {
    const current = dispatcher;
    dispatcher = undefined;
    if (current !== undefined) await (await current.catch(() => undefined))?.close();
  };
  return { send, close };
}
