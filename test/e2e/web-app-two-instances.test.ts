// The example web app (examples/web-app) as it is deployed: two instances, each its own process on its own port,
// sharing one redis-server for sessions and the token cache. Chromium signs in through instance A on the emulator's
// sign-in page; instance B then serves the protected page with the token A put in the shared cache, and the emulator
// sees no token request from B. A sign-out through B empties the shared session and cache for A too.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { connectClient, startRedisServer, type RedisServer } from '../distributed/redis-server.js';
import { removeDir, tempDir } from '../emulator/helpers.js';
import { launchChromium } from './browser.js';

const REPO = resolve(import.meta.dirname, '../..');
const SERVER = join(REPO, 'examples', 'web-app', 'server.mjs');
const FROM_SRC = pathToFileURL(join(import.meta.dirname, 'fixtures', 'msal-ts-from-src.mjs')).href;
const WEB_APP_ID = '77778888-aaaa-9999-bbbb-0000cccc1111';
const WEB_APP_SECRET = 'emulator-web-app-secret';
const START_MS = 60_000;
const STOP_MS = 5_000;

interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
  output(): string;
}

/** Stops a child by its PID: SIGTERM (the app closes its server and Redis client), SIGKILL if it lingers. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, STOP_MS);
  await exited;
  clearTimeout(timer);
}

/** Starts one instance of the example (its sources through tsx, 'msal-ts' mapped to src/) and waits for its URL. */
async function startInstance(t: TestContext, name: string, env: Record<string, string>): Promise<Instance> {
  const { NODE_TEST_CONTEXT: _runner, NODE_OPTIONS: _options, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', FROM_SRC, SERVER], {
    cwd: REPO,
    env: { ...inherited, ...env, INSTANCE_NAME: name, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => stop(child));
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start in ${START_MS} ms:\n${out}`)), START_MS);
    const onData = (chunk: string): void => {
      out += chunk;
      const match = /web app listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`instance ${name} exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return { url, child, output: () => out };
}

function tokenRequests(counters: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counters).filter(([k]) => k === 'token' || k.startsWith('token:')));
}

describe('the example web app: two instances sharing Redis', () => {
  let redis: RedisServer;
  let client: Awaited<ReturnType<typeof connectClient>>;
  let emulator: Emulator;
  let stateDir: string;

  before(async () => {
    redis = await startRedisServer();
    client = await connectClient(redis.url);
    stateDir = tempDir();
    emulator = await startEmulator({
      stateDir,
      config: {
        apps: [
          {
            clientId: WEB_APP_ID,
            displayName: 'Contoso Web App',
            kind: 'confidential',
            clientSecrets: [WEB_APP_SECRET],
            // A loopback redirect URI matches on any port (as in Entra), so one registration covers both instances.
            redirectUris: ['http://127.0.0.1/redirect'],
          },
        ],
      },
    });
  });

  after(async () => {
    client.destroy();
    await redis.stop();
    await emulator.close();
    removeDir(stateDir);
  });

  it('signs in through A in Chromium; B serves the profile from the shared cache with no token request; B signs out for both', async (t) => {
    const env = {
      AUTHORITY: emulator.authority,
      CLIENT_ID: WEB_APP_ID,
      CLIENT_SECRET: WEB_APP_SECRET,
      REDIS_URL: redis.url,
      CA_PATH: emulator.caPath,
      INSTANCE_DISCOVERY: 'false',
    };
    const [a, b] = await Promise.all([startInstance(t, 'A', env), startInstance(t, 'B', env)]);
    assert.notEqual(new URL(a.url).port, new URL(b.url).port);
    const { page, context } = await launchChromium(t);

    await page.goto(`${a.url}/`);
    assert.match((await page.locator('body').textContent()) ?? '', /You are not signed in/);
    await page.getByRole('link', { name: 'Sign in' }).click();
    assert.equal(new URL(page.url()).origin, new URL(emulator.url).origin, 'A sent the browser to the emulator');
    await page.getByLabel('Username').fill(DEFAULT_IDS.aliceUsername);
    await page.getByLabel('Password').fill(DEFAULT_IDS.alicePassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Permissions requested' }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).click();
    await page.locator('#username').waitFor();
    assert.equal(new URL(page.url()).origin, a.url, 'back on A after the redirect');
    assert.equal(await page.locator('#username').textContent(), DEFAULT_IDS.aliceUsername);
    assert.equal(await page.locator('#instance').textContent(), 'A');

    // The browser holds only a random session id; the session and the user's tokens are in Redis with TTLs.
    // (The emulator's own session cookie is on the same host, 127.0.0.1, too.)
    const cookies = (await context.cookies(a.url)).filter((c) => !c.name.startsWith('msal_ts_emulator_'));
    assert.equal(cookies.length, 1, JSON.stringify(cookies.map((c) => c.name)));
    const [cookie] = cookies;
    assert.ok(cookie !== undefined);
    assert.equal(cookie.name, 'web_app_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await client.keys('web-app:session:*'), [`web-app:session:${cookie.value}`], "the sign-in flow's session was replaced");
    const sessionTtl = await client.ttl(`web-app:session:${cookie.value}`);
    assert.ok(sessionTtl > 0 && sessionTtl <= 8 * 3600, `session TTL ${sessionTtl}`);
    const session = JSON.parse((await client.get(`web-app:session:${cookie.value}`)) ?? '') as { account?: { home_account_id?: string }; flow?: unknown };
    assert.equal(session.flow, undefined, 'the PKCE verifier is gone once used');
    const homeAccountId = session.account?.home_account_id;
    assert.ok(typeof homeAccountId === 'string' && homeAccountId.endsWith(`.${DEFAULT_IDS.tenantId}`));
    const partition = `web-app:msal:{${WEB_APP_ID}:user:${encodeURIComponent(homeAccountId)}}`;
    assert.deepEqual(await client.keys('web-app:msal:*'), [partition]);
    const stored = JSON.parse((await client.hGet(partition, 'd')) ?? '') as Record<string, object>;
    assert.ok(stored['AccessToken'] !== undefined && stored['RefreshToken'] !== undefined, 'A wrote the tokens to the user partition');
    assert.ok((await client.ttl(partition)) > 3600, 'the partition lives as long as the refresh token');

    const before = emulator.counters();
    assert.equal(before['token:authorization_code'], 1, 'A redeemed the code');

    // Cookies are per host, not per port: the same browser carries A's session cookie to B.
    await page.goto(`${b.url}/profile`);
    await page.locator('#token-source').waitFor();
    assert.equal(await page.locator('#instance').textContent(), 'B');
    assert.equal(await page.locator('#token-source').textContent(), 'cache');
    assert.equal(await page.locator('#claim-email').textContent(), DEFAULT_IDS.aliceUsername);
    assert.equal(await page.locator('#claim-name').textContent(), 'Alice Example');

    const afterProfile = emulator.counters();
    assert.deepEqual(tokenRequests(afterProfile), tokenRequests(before), 'B made no token request');
    assert.equal(afterProfile['userinfo'], (before['userinfo'] ?? 0) + 1, 'B called the protected endpoint with the cached token');

    // Sign-out through B: the session and the user's tokens leave Redis, so A sees a signed-out browser too.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are not signed in').waitFor();
    assert.equal(new URL(page.url()).origin, b.url, 'the emulator sent the browser back to B after signing out');
    assert.deepEqual(await client.keys('web-app:session:*'), []);
    const left = await client.hGet(partition, 'd');
    if (left !== null) {
      const doc = JSON.parse(left) as Record<string, object>;
      assert.deepEqual(doc['RefreshToken'] ?? {}, {}, 'no refresh token left');
      assert.deepEqual(doc['AccessToken'] ?? {}, {}, 'no access token left');
    }
    await page.goto(`${a.url}/`);
    assert.match((await page.locator('body').textContent()) ?? '', /You are not signed in/);
    assert.deepEqual(tokenRequests(emulator.counters()), tokenRequests(before), 'signing out asked the emulator for no token');
    assert.doesNotMatch(a.output() + b.output(), /Error/, 'neither instance logged an error');
  });
});
