// A loopback HTTPS stub that plays any number of identity-provider hosts. Requests reach it through `routedHttp`,
// which sends every URL to the stub and tells it the original host in `x-test-host`, so authorities on real Microsoft
// host names (and the default instance discovery endpoint) can be exercised without leaving the machine.
import type { HttpClient } from '../../src/http/http-client.js';
import { makePki, startHttpsServer } from '../http/fixtures.js';
import type { Pki, TestServer } from '../http/fixtures.js';

export interface StubReply {
  status?: number;
  body: string;
  headers?: Record<string, string>;
  /** The reply waits for this before being sent. */
  hold?: Promise<void>;
}

export interface Stub {
  /** Replies keyed by `host[:port]/path` (no query). */
  routes: Map<string, StubReply>;
  /** Requests seen: `host/path?query` and headers. */
  seen: Array<{ target: string; headers: Record<string, string | string[] | undefined> }>;
  /** How many requests were made for a `host/path` (query ignored). */
  count(route: string): number;
  server: TestServer;
  pki: Pki;
  close(): Promise<void>;
}

export async function startStub(): Promise<Stub> {
  const pki = makePki();
  const routes = new Map<string, StubReply>();
  const seen: Stub['seen'] = [];
  const server = await startHttpsServer(pki, (req, res) => {
    const host = String(req.headers['x-test-host'] ?? '');
    const target = `${host}${req.url ?? ''}`;
    seen.push({ target, headers: req.headers });
    const reply = routes.get(target.split('?')[0] ?? '');
    const send = (): void => {
      if (reply === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for ${target}`);
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(reply.body);
    };
    if (reply?.hold !== undefined) void reply.hold.then(send);
    else send();
  });
  return {
    routes,
    seen,
    count: (route) => seen.filter((s) => s.target.split('?')[0] === route).length,
    server,
    pki,
    close: async () => {
      await server.close();
      pki.dispose();
    },
  };
}

/** Sends every request to the stub, keeping the original host in `x-test-host`. */
export function routedHttp(http: HttpClient, stub: Stub): HttpClient {
  return {
    send: (req) => {
      const original = new URL(req.url);
      const url = new URL(`${original.pathname}${original.search}`, stub.server.origin);
      return http.send({ ...req, url: url.href, headers: { ...req.headers, 'x-test-host': original.host } });
    },
  };
}

/** An OIDC discovery document as Entra shapes it, for `host` and `tenant`. */
export function entraDocument(host: string, tenant: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    authorization_endpoint: `https://${host}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `https://${host}/${tenant}/oauth2/v2.0/token`,
    device_authorization_endpoint: `https://${host}/${tenant}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `https://${host}/${tenant}/oauth2/v2.0/logout`,
    jwks_uri: `https://${host}/${tenant}/discovery/v2.0/keys`,
    issuer: `https://${host}/${tenant}/v2.0`,
    response_types_supported: ['code', 'id_token'],
    ...extra,
  });
}
