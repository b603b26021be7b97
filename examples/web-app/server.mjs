// A web app that signs users in with the authorization code flow and calls a protected endpoint for them, built to run
// as several instances behind a load balancer: sessions and the token cache both live in Redis, so a user who signed
// in through one instance is served by any other, which finds the user's tokens in the shared cache and asks the
// identity provider for nothing.
//
// Plain node:http, no framework. Configuration by environment variables (config.mjs); how to run it against the
// msal-ts emulator or a real tenant: README.md in this folder.
//
//   GET  /          who is signed in
//   GET  /login     starts the auth code flow (PKCE, state, nonce) and sends the browser to the identity provider
//   GET  /redirect  the redirect URI: checks the response against the flow, redeems the code, starts the session
//   GET  /profile   a token from the cache (acquireTokenSilent), sent to the OIDC userinfo endpoint
//   POST /logout    removes the user's tokens from the shared cache, ends the session, signs out at the provider
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { request } from 'node:https';
import { ClientClosedError, ClientOfflineError, ConnectionTimeoutError, SocketClosedUnexpectedlyError, createClient } from '@redis/client';
import { ConfidentialClientApplication } from 'msal-ts';
import { DistributedTokenCache, RedisDistributedCacheStore, nodeRedisRunner } from 'msal-ts/distributed';
import { readConfig } from './config.mjs';
import { errorPage, homePage, profilePage } from './pages.mjs';
import { RedisSessionStore, cookieName, readCookie, sessionCookie } from './sessions.mjs';

/** How long a started sign-in may take before its state is forgotten. */
const FLOW_TTL_SECONDS = 600;
const HTTP_TIMEOUT_MS = 10_000;

/** @param {string} message */
function exitAtStart(message) {
  console.error(`web app not started: ${message}`);
  process.exit(1);
}

/** @type {import('./config.mjs').WebAppConfig} */
let config;
/** @type {Buffer | undefined} */
let ca;
try {
  config = readConfig();
  ca = config.caPath === undefined ? undefined : readFileSync(config.caPath);
} catch (err) {
  exitAtStart(err instanceof Error ? err.message : String(err));
}

// No offline queue: while Redis is down, requests fail at once (a 503) instead of piling up.
const redis = createClient({ url: config.redisUrl, disableOfflineQueue: true });
redis.on('error', (err) => console.error(`redis: ${err.message}`)); // an unhandled 'error' event would end the process
// The client reconnects forever (right for a server that is up); at start, an unreachable Redis is a setup mistake.
const unreachable = setTimeout(() => exitAtStart(`Redis at ${config.redisUrl} did not answer within 10 s`), 10_000);
await redis.connect();
clearTimeout(unreachable);

// One application object and one cache per process, shared by every request and user: the cache keeps each user's
// tokens in their own Redis key (partition) and reads only the one a request needs.
const tokenCache = new DistributedTokenCache(new RedisDistributedCacheStore(nodeRedisRunner(redis)), {
  keyPrefix: `${config.keyPrefix}:msal`,
});
const msal = new ConfidentialClientApplication(config.clientId, {
  authority: config.authority,
  clientCredential: config.clientSecret,
  tokenCache,
  instanceDiscovery: config.instanceDiscovery,
  verify: config.caPath ?? true,
});
const sessions = new RedisSessionStore(redis, config.keyPrefix);

const server = createServer((req, res) => {
  handle(req, res).catch((err) => fail(res, err));
});
server.listen(config.port, config.host);
await new Promise((resolve, reject) => server.once('listening', resolve).once('error', reject));
const address = server.address();
const port = typeof address === 'object' && address !== null ? address.port : config.port;
const publicUrl = config.publicUrl ?? `http://${config.host}:${port}`;
const redirectUri = `${publicUrl}/redirect`;
const secure = publicUrl.startsWith('https:');
const cookie = cookieName(secure);
const instance = config.instanceName ?? `${config.host}:${port}`;
console.log(`web app listening on ${publicUrl} (redirect URI ${redirectUri})`);

function shutdown() {
  server.close();
  server.closeAllConnections();
  redis.destroy();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(req, res) {
  const url = new URL(req.url ?? '/', publicUrl);
  switch (`${req.method} ${url.pathname}`) {
    case 'GET /':
      return send(res, 200, homePage((await sessions.get(readCookie(req, cookie)))?.account, instance));
    case 'GET /login':
      return login(req, res);
    case 'GET /redirect':
      return completeSignIn(req, res, url.searchParams);
    case 'GET /profile':
      return profile(req, res);
    case 'POST /logout':
      return logout(req, res);
    default:
      return send(res, 404, errorPage('Not found', `Nothing at ${url.pathname}.`, instance));
  }
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function login(req, res) {
  const flow = await msal.initiateAuthCodeFlow(config.scopes, { redirectUri });
  // The flow holds the PKCE verifier: it stays in Redis, the browser gets only the new session's id.
  const id = await sessions.create({ flow }, FLOW_TTL_SECONDS);
  await sessions.destroy(readCookie(req, cookie));
  redirect(res, flow.auth_uri, sessionCookie(cookie, id, FLOW_TTL_SECONDS, secure));
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} response - the identity provider's answer: code and state, or error
 */
async function completeSignIn(req, res, response) {
  const id = readCookie(req, cookie);
  const session = await sessions.get(id);
  if (session?.flow === undefined) {
    return send(res, 400, errorPage('Sign-in expired', 'This sign-in was not started in this browser, or took longer than 10 minutes.', instance));
  }
  await sessions.destroy(id); // a flow is used once, whatever the outcome
  let result;
  try {
    result = await msal.acquireTokenByAuthCodeFlow(session.flow, response);
  } catch (err) {
    switch (err?.code) {
      case 'server_error': // the user cancelled, or the provider refused the code
        return send(res, 401, errorPage('Sign-in failed', `${err.error}: ${String(err.error_description ?? '').split('\r\n')[0]}`, instance));
      case 'state_mismatch':
      case 'invalid_id_token':
        return send(res, 400, errorPage('Sign-in failed', 'The response from the identity provider did not match this sign-in.', instance));
      default:
        throw err;
    }
  }
  const account = await accountOf(result);
  if (account === undefined) throw new Error('the signed-in account is not in the token cache');
  // A new session id after sign-in: an id anyone saw before (session fixation) never becomes a signed-in session.
  const signedIn = await sessions.create({ account }, config.sessionTtlSeconds);
  redirect(res, '/', sessionCookie(cookie, signedIn, config.sessionTtlSeconds, secure));
}

/**
 * The cache's Account for a fresh sign-in. Entra's `client_info` is `{ uid, utid }`, and `uid.utid` is the account's
 * `home_account_id`, which also names the user's partition of the distributed cache.
 *
 * @param {import('msal-ts').AuthenticationResult} result
 * @returns {Promise<import('msal-ts').Account | undefined>}
 */
async function accountOf(result) {
  if (typeof result.client_info !== 'string') return undefined;
  const { uid, utid } = JSON.parse(Buffer.from(result.client_info, 'base64url').toString('utf8'));
  const homeAccountId = `${uid}.${utid}`;
  return (await msal.getAccounts()).find((a) => a.home_account_id === homeAccountId);
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function profile(req, res) {
  const session = await sessions.get(readCookie(req, cookie));
  if (session?.account === undefined) return redirect(res, '/login');
  // From the shared cache, whichever instance put it there; refreshed with the cached refresh token when expired.
  const token = await msal.acquireTokenSilent(config.scopes, { account: session.account });
  if (token === undefined) return redirect(res, '/login'); // nothing usable cached, or the refresh was refused
  const { userinfo_endpoint: endpoint } = await openIdConfiguration();
  const answer = await getJson(endpoint, token.access_token);
  if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) {
    return send(res, 502, errorPage('Profile unavailable', `The protected endpoint answered ${answer.status}.`, instance));
  }
  send(res, 200, profilePage(answer.body, token, instance));
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function logout(req, res) {
  const id = readCookie(req, cookie);
  const session = await sessions.get(id);
  // The tokens go first: if Redis fails here the session survives and the user can try again.
  if (session?.account !== undefined) await msal.removeAccount(session.account);
  await sessions.destroy(id);
  const clear = sessionCookie(cookie, '', 0, secure);
  const endSession = await openIdConfiguration().then(
    (m) => m.end_session_endpoint,
    () => undefined,
  );
  if (typeof endSession !== 'string' || !endSession.startsWith('https:')) return redirect(res, '/', clear);
  const target = new URL(endSession);
  target.searchParams.set('post_logout_redirect_uri', `${publicUrl}/`);
  redirect(res, target.href, clear);
}

/** @type {Promise<Record<string, string>> | undefined} */
let metadata;

/** The authority's OpenID configuration (userinfo and end-session endpoints), fetched once; retried after a failure. */
function openIdConfiguration() {
  metadata ??= getJson(`${config.authority}/v2.0/.well-known/openid-configuration`).then((answer) => {
    const body = answer.body;
    if (answer.status !== 200 || typeof body?.userinfo_endpoint !== 'string' || !body.userinfo_endpoint.startsWith('https:')) {
      throw new Error(`the authority's OpenID configuration could not be read (${answer.status})`);
    }
    return body;
  });
  metadata.catch(() => (metadata = undefined));
  return metadata;
}

/**
 * GETs JSON over HTTPS, trusting CA_PATH when set.
 *
 * @param {string} target
 * @param {string} [accessToken] - sent as a bearer token
 * @returns {Promise<{ status: number, body: any }>}
 */
function getJson(target, accessToken) {
  return new Promise((resolve, reject) => {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
    const req = request(target, { headers, ca, timeout: HTTP_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('error', reject);
      res.on('end', () => {
        let body;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${new URL(target).host} did not answer within ${HTTP_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} html
 * @param {string} [setCookie]
 */
function send(res, status, html, setCookie) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    // Pages show personal data: never cached. The redirect URI's query holds the code: never sent as a Referer.
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ...(setCookie === undefined ? {} : { 'set-cookie': setCookie }),
  });
  res.end(html);
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {string} location
 * @param {string} [setCookie]
 */
function redirect(res, location, setCookie) {
  res.writeHead(302, {
    location,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    ...(setCookie === undefined ? {} : { 'set-cookie': setCookie }),
  });
  res.end();
}

/**
 * The last resort: the error is logged (name and message: msal-ts errors carry no tokens) and the user sees a page
 * without details. A cache or session store outage is a 503: the user can retry.
 *
 * @param {import('node:http').ServerResponse} res
 * @param {any} err
 */
function fail(res, err) {
  console.error(`${err?.name ?? 'Error'}: ${err?.message ?? String(err)}`);
  if (res.headersSent) return res.destroy();
  const redisDown = [ClientClosedError, ClientOfflineError, ConnectionTimeoutError, SocketClosedUnexpectedlyError].some((type) => err instanceof type);
  if (redisDown || err?.code === 'distributed_cache')
    return send(res, 503, errorPage('Try again', 'The session or token store is unavailable right now.', instance));
  send(res, 500, errorPage('Something went wrong', 'The error was logged.', instance));
}
