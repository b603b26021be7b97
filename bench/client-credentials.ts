// Bench: acquireTokenForClient cache hits with 1, 1,000 and 100,000 tenants in ONE cache, msal-ts beside
// @azure/msal-node doing the same work (a multi-tenant daemon: one app object, a per-call tenant).
// Both apps get an HTTP client that throws, so every measured call is a real cache hit.
// Run: npm run bench (or node --import tsx bench/client-credentials.ts [--sizes 1,1000] [--budget-ms 20000])
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { ConfidentialClientApplication, SerializableTokenCache, type HttpClient } from '../src/index.js';
import * as msalNode from '@azure/msal-node';
import { measure, ns, parseArgs, tenantIds, type Measured } from './util.js';

const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SCOPES = ['https://graph.microsoft.com/.default'];
const { sizes, budgetMs } = parseArgs(process.argv.slice(2), [1, 1_000, 100_000]);

const noNetwork: HttpClient = {
  send: () => Promise.reject(new Error('bench: unexpected network request')),
};

async function msalTs(tenants: string[]): Promise<Measured | undefined> {
  const cache = new SerializableTokenCache();
  for (const tenant of tenants) {
    cache.add({
      clientId: CLIENT_ID,
      scopes: SCOPES,
      environment: 'login.microsoftonline.com',
      realm: tenant,
      grantType: 'client_credentials',
      response: { access_token: `at-${tenant}`, token_type: 'Bearer', expires_in: 86_400 },
    });
  }
  const app = new ConfidentialClientApplication(CLIENT_ID, {
    authority: `https://login.microsoftonline.com/${tenants[0] ?? ''}`,
    clientCredential: 'bench-secret',
    tokenCache: cache,
    httpClient: noNetwork,
  });
  const check = await app.acquireTokenForClient(SCOPES, { tenant: tenants[tenants.length - 1] });
  if (check.token_source !== 'cache') throw new Error('msal-ts: not a cache hit');
  return measure((i) => app.acquireTokenForClient(SCOPES, { tenant: tenants[i] }), tenants.length, 100, budgetMs);
}

/** A msal-node cache with one app token per tenant, made from an entry msal-node wrote itself. */
async function msalNodeCache(tenants: string[]): Promise<string> {
  const template = tenants[0] ?? '';
  const seed = new msalNode.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, authority: `https://login.microsoftonline.com/${template}`, clientSecret: 'bench-secret' },
    system: {
      networkClient: {
        sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
        sendPostRequestAsync: () =>
          Promise.resolve({
            status: 200,
            headers: {},
            body: { access_token: `at-${template}`, token_type: 'Bearer', expires_in: 86_400 },
          }) as never,
      },
    },
  });
  await seed.acquireTokenByClientCredential({ scopes: SCOPES });
  const json = JSON.parse(seed.getTokenCache().serialize()) as { AccessToken: Record<string, Record<string, string>> };
  const [[key, entry]] = Object.entries(json.AccessToken) as [[string, Record<string, string>]];
  const out: Record<string, Record<string, string>> = {};
  for (const tenant of tenants) {
    out[key.replaceAll(template, tenant)] = { ...entry, realm: tenant, secret: `at-${tenant}` };
  }
  json.AccessToken = out;
  return JSON.stringify(json);
}

async function msalNodeRun(tenants: string[]): Promise<Measured | undefined> {
  const serialized = await msalNodeCache(tenants);
  const app = new msalNode.ConfidentialClientApplication({
    auth: { clientId: CLIENT_ID, authority: `https://login.microsoftonline.com/${tenants[0] ?? ''}`, clientSecret: 'bench-secret' },
    system: {
      networkClient: {
        sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
        sendPostRequestAsync: () => Promise.reject(new Error('bench: unexpected POST')),
      },
    },
  });
  app.getTokenCache().deserialize(serialized);
  const authorities = tenants.map((t) => `https://login.microsoftonline.com/${t}`);
  const check = await app.acquireTokenByClientCredential({ scopes: SCOPES, authority: authorities[authorities.length - 1] });
  if (check?.fromCache !== true) throw new Error('msal-node: not a cache hit');
  return measure(
    (i) => app.acquireTokenByClientCredential({ scopes: SCOPES, authority: authorities[i], correlationId: randomUUID() }),
    tenants.length,
    100,
    budgetMs,
  );
}

console.log(`acquireTokenForClient cache hit, one cache, per-call tenant: median per call (budget ${budgetMs} ms per run)`);
console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
console.log('tenants     msal-ts        msal-node      msal-node / msal-ts');
let largestNode = 0;
for (const size of sizes) {
  const tenants = tenantIds(size);
  const ours = await msalTs(tenants);
  let theirs: Measured | undefined;
  let note = '';
  try {
    theirs = await msalNodeRun(tenants);
    if (theirs === undefined) note = ` (msal-node did not finish one pass over ${size} tenants in ${budgetMs} ms)`;
    else largestNode = size;
  } catch (err) {
    note = ` (msal-node failed: ${(err as Error).message})`;
  }
  const show = (r: { median: number } | undefined): string => (r === undefined ? 'n/a' : ns(r.median));
  const ratio = ours === undefined || theirs === undefined ? 'n/a' : `${(theirs.median / ours.median).toFixed(0)}x`;
  console.log(`${String(size).padEnd(11)} ${show(ours).padEnd(14)} ${show(theirs).padEnd(14)} ${ratio}${note}`);
}
console.log(`largest size msal-node finished: ${largestNode}`);
