// The distributed cache over TLS with a password, as docs/distributed.md deploys it (Azure Cache for Redis: rediss://,
// an access key as the default user's password): a redis-server with a TLS port only, its certificate issued by a test
// CA for the name `cache.test`. The client connects to 127.0.0.1, so the certificate check fails unless the name is
// given as `servername` (SNI and the check use it), which is what a clustered cache that announces IP addresses needs.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createClient } from '@redis/client';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from '../../src/distributed/index.js';
import { freePort, killChild, launchUntilReady } from './redis-server.js';

const run = promisify(execFile);
const ACCESS_KEY = 'test-access-key';
const NAME = 'cache.test';

describe('the distributed cache over TLS (rediss://) with an access key', () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let port: number;
  let ca: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'msal-redis-tls-'));
    const at = (f: string): string => join(dir, f);
    const openssl = (...args: string[]) =>
      run('openssl', args).catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new Error('openssl is not installed (apt-get install openssl): the Redis TLS test needs it') : err;
      });
    await openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('ca.key'), '-out', at('ca.pem'), '-days', '1', '-subj', '/CN=msal-ts test CA');
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at('server.key'), '-out', at('server.csr'), '-subj', `/CN=${NAME}`);
    writeFileSync(at('ext.cnf'), `subjectAltName=DNS:${NAME}\n`);
    await openssl(
      'x509',
      '-req',
      '-in',
      at('server.csr'),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('server.pem'),
      '-days',
      '1',
      '-extfile',
      at('ext.cnf'),
    );
    ca = readFileSync(at('ca.pem'));
    port = await freePort();
    server = await launchUntilReady(
      'redis-server',
      [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--tls-cert-file',
        at('server.pem'),
        '--tls-key-file',
        at('server.key'),
        '--tls-ca-cert-file',
        at('ca.pem'),
        '--tls-auth-clients',
        'no',
        '--requirepass',
        ACCESS_KEY,
      ],
      'Ready to accept connections',
      'the Redis TLS test',
    );
  });

  after(async () => {
    await killChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  async function attempt(options: Parameters<typeof createClient>[0]): Promise<ReturnType<typeof createClient>> {
    const client = createClient({ ...options, socket: { ...options?.socket, reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  it('with the host name as servername and the key as password: the cache reads and writes', async () => {
    const client = await attempt({ url: `rediss://127.0.0.1:${port}`, password: ACCESS_KEY, socket: { tls: true, ca, servername: NAME } });
    try {
      const cache = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)));
      const context = { clientId: 'app', partition: { kind: 'app' as const, clientId: 'app', environment: 'login.microsoftonline.com', realm: 'contoso' } };
      await cache.write(context, () =>
        cache.add({
          clientId: 'app',
          scopes: ['s'],
          environment: 'login.microsoftonline.com',
          realm: 'contoso',
          grantType: 'client_credentials',
          response: { access_token: 'at-tls', token_type: 'Bearer', expires_in: 3600 },
        }),
      );
      const reader = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(client)));
      await reader.beforeRead(context);
      assert.deepEqual(
        reader.listAccessTokens().map((at) => at.secret),
        ['at-tls'],
      );
    } finally {
      client.destroy();
    }
  });

  it('refuses an address the certificate does not name, an unknown CA, and a wrong key', async () => {
    await assert.rejects(
      attempt({ url: `rediss://127.0.0.1:${port}`, password: ACCESS_KEY, socket: { tls: true, ca } }),
      /IP: 127\.0\.0\.1 is not in the cert's list|ERR_TLS_CERT_ALTNAME_INVALID/,
    );
    await assert.rejects(
      attempt({ url: `rediss://127.0.0.1:${port}`, password: ACCESS_KEY, socket: { tls: true, servername: NAME } }),
      /self[- ]signed|unable to get local issuer|SELF_SIGNED/i,
    );
    await assert.rejects(attempt({ url: `rediss://127.0.0.1:${port}`, password: 'wrong', socket: { tls: true, ca, servername: NAME } }), /WRONGPASS/);
  });
});
