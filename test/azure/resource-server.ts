// A local HTTPS resource server that speaks enough of Azure Key Vault's secrets API (GET /secrets/{name}) for the
// Azure SDK: it verifies bearer tokens against the emulator's signing keys, answers a request without a token with
// Key Vault's discovery challenge (authorization + resource), and can revoke a token with a Continuous Access
// Evaluation claims challenge (401 insufficient_claims), as a resource does after a CAE event.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { Agent, request } from 'undici';
import type { Emulator } from '../../src/emulator/index.js';
import { makePki, startHttpsServer, type Pki, type TestServer } from '../http/fixtures.js';

export const VAULT_SCOPE = 'https://vault.azure.net/.default';
const VAULT_AUDIENCES = ['https://vault.azure.net', 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093'];

/** The claims a CAE challenge demands: a token issued after the revocation event. */
export const CAE_CLAIMS = JSON.stringify({ access_token: { nbf: { essential: true, value: '1700000000' } } });

export interface ResourceServer {
  /** `https://127.0.0.1:<port>`: the vault URL. */
  readonly url: string;
  /** The CA that signed the server's certificate (PEM), for the SDK client's `tlsOptions.ca`. */
  readonly caPem: string;
  /** Every bearer token presented, in order ('' for a request without one). */
  readonly presented: string[];
  /** What each request was answered, in order. */
  readonly answers: number[];
  /** Tokens this server refuses with a CAE claims challenge (e.g. revoked after a password reset). */
  readonly revoked: Set<string>;
  /** Revoke the next valid token presented (once). */
  revokeNext(): void;
  close(): Promise<void>;
}

/** Starts the resource server, trusting tokens signed by the emulator's keys. */
export async function startResourceServer(emulator: Emulator, secrets: Record<string, string>): Promise<ResourceServer> {
  const jwks = await fetchJwks(emulator);
  const pki: Pki = makePki();
  const presented: string[] = [];
  const answers: number[] = [];
  const revoked = new Set<string>();
  let revokeNext = false;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      answers.push(status);
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    presented.push(token);
    if (token === '') {
      // Key Vault's discovery challenge: where to get a token, and for which resource.
      send(
        401,
        { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
        {
          'www-authenticate': `Bearer authorization="${emulator.authority}", resource="https://vault.azure.net"`,
        },
      );
      return;
    }
    try {
      await jwtVerify(token, jwks, { audience: VAULT_AUDIENCES });
    } catch {
      send(401, { error: { code: 'Unauthorized', message: 'invalid token' } }, { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }
    if (revokeNext) {
      revokeNext = false;
      revoked.add(token);
    }
    if (revoked.has(token)) {
      const claims = Buffer.from(CAE_CLAIMS).toString('base64');
      send(
        401,
        { error: { code: 'Unauthorized', message: 'token revoked' } },
        {
          'www-authenticate':
            `Bearer realm="", authorization_uri="${emulator.authority}/oauth2/authorize", ` + `error="insufficient_claims", claims="${claims}"`,
        },
      );
      return;
    }
    const url = new URL(req.url ?? '/', server.origin);
    const name = /^\/secrets\/([\w-]+)\/?$/.exec(url.pathname)?.[1];
    const value = name === undefined ? undefined : secrets[name];
    if (req.method !== 'GET' || name === undefined || value === undefined || url.searchParams.get('api-version') === null) {
      send(404, { error: { code: 'SecretNotFound', message: 'A secret with this name was not found.' } });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    send(200, {
      value,
      id: `${server.origin}/secrets/${name}/0123456789abcdef0123456789abcdef`,
      attributes: { enabled: true, created: now, updated: now, recoveryLevel: 'Recoverable+Purgeable' },
    });
  };

  const server: TestServer = await startHttpsServer(pki, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  return {
    url: server.origin,
    caPem: pki.caPem,
    presented,
    answers,
    revoked,
    revokeNext: () => {
      revokeNext = true;
    },
    close: async () => {
      await server.close();
      pki.dispose();
    },
  };
}

async function fetchJwks(emulator: Emulator): Promise<ReturnType<typeof createLocalJWKSet>> {
  const agent = new Agent({ connect: { ca: emulator.caPem } });
  try {
    const res = await request(`${emulator.authority}/discovery/v2.0/keys`, { dispatcher: agent });
    return createLocalJWKSet((await res.body.json()) as JSONWebKeySet);
  } finally {
    await agent.close();
  }
}
