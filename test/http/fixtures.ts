// Test fixtures: a throwaway CA + server certificate (openssl CLI; on Windows, which has no openssl, the emulator's own
// certificate builder), a loopback HTTPS server and a CONNECT proxy.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyPairKeyObjectResult } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCertificate, certificatePem, distinguishedName, extensions, keyIdentifier } from '../../src/emulator/certificate-builder.js';

export interface Pki {
  dir: string;
  caPath: string;
  caPem: string;
  keyPem: string;
  certPem: string;
  /** Removes the temporary directory. */
  dispose(): void;
}

/** A private CA and a server certificate for 127.0.0.1 / localhost, valid one day. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-pki-'));
  const p = (name: string): string => join(dir, name);
  if (process.platform === 'win32') return builtPki(dir, p('ca.pem'));
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=msal-ts test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl('req', ...ec, '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '1',
    '-extfile',
    p('ext.cnf'),
  );
  return {
    dir,
    caPath: p('ca.pem'),
    caPem: readFileSync(p('ca.pem'), 'utf8'),
    keyPem: readFileSync(p('server.key'), 'utf8'),
    certPem: readFileSync(p('server.pem'), 'utf8'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The same PKI made in-process (the Windows lane's node.exe has no openssl to run). */
function builtPki(dir: string, caPath: string): Pki {
  const ec = (): KeyPairKeyObjectResult => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = ec();
  const server = ec();
  const caName = distinguishedName([['CN', 'msal-ts test CA']]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caPem = certificatePem(
    buildCertificate(
      {
        subject: caName,
        issuer: caName,
        publicKey: ca.publicKey,
        notBefore,
        notAfter,
        extensions: [
          extensions.basicConstraints({ pathLength: 0 }),
          extensions.keyUsage(['keyCertSign', 'cRLSign']),
          extensions.subjectKeyIdentifier(keyIdentifier(ca.publicKey)),
        ],
      },
      ca.privateKey,
    ),
  );
  const certPem = certificatePem(
    buildCertificate(
      {
        subject: distinguishedName([['CN', 'localhost']]),
        issuer: caName,
        publicKey: server.publicKey,
        notBefore,
        notAfter,
        extensions: [
          extensions.basicConstraints(false),
          extensions.keyUsage(['digitalSignature']),
          extensions.extendedKeyUsage(['serverAuth']),
          extensions.subjectAltName({ ipv4: ['127.0.0.1'], dns: ['localhost'] }),
          extensions.authorityKeyIdentifier(keyIdentifier(ca.publicKey)),
        ],
      },
      ca.privateKey,
    ),
  );
  writeFileSync(caPath, caPem);
  return {
    dir,
    caPath,
    caPem,
    keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface TestServer {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Every request seen, in order. */
  seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** An HTTPS server on 127.0.0.1 with the PKI's server certificate. */
export async function startHttpsServer(pki: Pki, handler: Handler): Promise<TestServer> {
  const seen: TestServer['seen'] = [];
  const server = createHttpsServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConnectProxy {
  url: string;
  port: number;
  /** Every CONNECT seen: target authority and the Proxy-Authorization header. */
  connects: Array<{ target: string; proxyAuthorization: string | undefined }>;
  close(): Promise<void>;
}

/** A tiny HTTP proxy on 127.0.0.1 that only tunnels (CONNECT). */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: ConnectProxy['connects'] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push({ target, proxyAuthorization: req.headers['proxy-authorization'] });
    sockets.add(client);
    const [host, port] = target.split(':');
    const upstream = netConnect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end);
    client.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Clears proxy environment variables so that a test talks to loopback directly unless it sets them. */
export function clearProxyEnv(): void {
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) {
    delete process.env[name];
  }
}
