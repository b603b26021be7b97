// Bench: acquireTokenSilent cache hits with 1, 1,000 and 10,000 signed-in accounts in ONE cache, and getAccounts with
// 100, 1,000 and 10,000 accounts, msal-ts beside @azure/msal-node 7 on the same cache file. The cache is msal-node's own:
// msal-node writes one account's entries (a code redemption answered by a fake network client), which are
// cloned with new user ids; both libraries load that same file. Both get a network client that throws, so every timed
// call is a cache hit. Calls cycle through every account, each account served once before timing.
// Run: npm run bench (or node --import tsx bench/silent.ts [--sizes 1,1000] [--budget-ms 20000])
import os from 'node:os';
import * as msalNode from '@azure/msal-node';
import { PublicClientApplication, SerializableTokenCache, type Account, type HttpClient } from '../src/index.js';
import { AUTHORITY, buildCache, CLIENT_ID, SCOPES, TENANT, uidOf } from './fixtures/user-cache.js';
import { measure, ns, parseArgs, type Measured } from './util.js';

const { sizes, budgetMs } = parseArgs(process.argv.slice(2), [1, 1_000, 10_000]);
const ACCOUNT_LIST_SIZES = [100, 1_000, 10_000];

const noNetwork: HttpClient = { send: () => Promise.reject(new Error('bench: unexpected network request')) };
const nodeNoNetwork = {
  sendGetRequestAsync: () => Promise.reject(new Error('bench: unexpected GET')),
  sendPostRequestAsync: () => Promise.reject(new Error('bench: unexpected POST')),
};

async function ours(serialized: string): Promise<{ app: PublicClientApplication; accounts: Account[] }> {
  const cache = new SerializableTokenCache();
  cache.deserialize(serialized);
  const app = new PublicClientApplication(CLIENT_ID, { authority: AUTHORITY, tokenCache: cache, httpClient: noNetwork });
  const byUid = new Map((await app.getAccounts()).map((a) => [a.local_account_id, a]));
  const accounts: Account[] = [];
  for (let i = 0; byUid.has(uidOf(i)); i++) accounts.push(byUid.get(uidOf(i)) as Account);
  return { app, accounts };
}

/**
 * msal-node on the same file. Its accounts are built from the one getAllAccounts returns for account 0's shape, not
 * listed: getAllAccounts grows with the square of the accounts (seconds at 1,000, minutes at 10,000).
 */
function theirs(serialized: string, count: number): { app: msalNode.PublicClientApplication; accounts: msalNode.AccountInfo[] } {
  const app = new msalNode.PublicClientApplication({ auth: { clientId: CLIENT_ID, authority: AUTHORITY }, system: { networkClient: nodeNoNetwork } });
  app.getTokenCache().deserialize(serialized);
  const accounts: msalNode.AccountInfo[] = [];
  for (let i = 0; i < count; i++) {
    const uid = uidOf(i);
    accounts.push({
      homeAccountId: `${uid}.${TENANT}`,
      environment: 'login.windows.net',
      tenantId: TENANT,
      username: `u-${uid}@contoso.com`,
      localAccountId: uid,
    });
  }
  return { app, accounts };
}

async function silentHits(size: number): Promise<[Measured | undefined, Measured | undefined, string]> {
  const serialized = await buildCache(size);
  const a = await ours(serialized);
  if (a.accounts.length !== size) throw new Error(`msal-ts found ${a.accounts.length} of ${size} accounts`);
  const last = size - 1;
  const check = await a.app.acquireTokenSilent(SCOPES, { account: a.accounts[last] as Account });
  if (check?.token_source !== 'cache' || check.access_token !== `at-${last}`) throw new Error('msal-ts: not the right cache hit');
  const mine = await measure((i) => a.app.acquireTokenSilent(SCOPES, { account: a.accounts[i] as Account }), size, 100, budgetMs);
  let note = '';
  let other: Measured | undefined;
  try {
    const n = theirs(serialized, size);
    const r = await n.app.acquireTokenSilent({ scopes: SCOPES, account: n.accounts[last] as msalNode.AccountInfo });
    if (!r.fromCache || r.accessToken !== `at-${last}`) throw new Error('not the right cache hit');
    other = await measure((i) => n.app.acquireTokenSilent({ scopes: SCOPES, account: n.accounts[i] as msalNode.AccountInfo }), size, 100, budgetMs);
    if (other === undefined) note = ` (msal-node did not finish one pass over ${size} accounts in ${budgetMs} ms)`;
  } catch (err) {
    note = ` (msal-node failed: ${(err as Error).message})`;
  }
  return [mine, other, note];
}

/** getAccounts for msal-ts; getAllAccounts for msal-node unless `skipNode` (its estimated time is over the budget). */
async function accountLists(size: number, skipNode: boolean): Promise<[Measured | undefined, Measured | undefined]> {
  const serialized = await buildCache(size);
  const a = await ours(serialized);
  const mine = await measure(
    async () => {
      if ((await a.app.getAccounts()).length !== size) throw new Error('msal-ts: wrong account count');
    },
    1,
    10,
    budgetMs,
  );
  if (skipNode) return [mine, undefined];
  const n = theirs(serialized, 0);
  // One call per sample: at 1,000 accounts one msal-node call takes seconds.
  const other = await measure(
    async () => {
      if ((await n.app.getAllAccounts()).length !== size) throw new Error('msal-node: wrong account count');
    },
    1,
    1,
    budgetMs,
  );
  return [mine, other];
}

const show = (r: Measured | undefined): string => (r === undefined ? 'n/a' : ns(r.median));
const ratio = (a: Measured | undefined, b: Measured | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : `${(b.median / a.median).toFixed(0)}x`;

console.log(`node ${process.version}, ${process.platform} ${process.arch}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'})`);
console.log(`acquireTokenSilent cache hit, N accounts in one cache: median per call (budget ${budgetMs} ms per run)`);
console.log('accounts    msal-ts        msal-node      msal-node / msal-ts');
for (const size of sizes) {
  const [mine, other, note] = await silentHits(size);
  console.log(`${String(size).padEnd(11)} ${show(mine).padEnd(14)} ${show(other).padEnd(14)} ${ratio(mine, other)}${note}`);
}
console.log('getAccounts (msal-node: getAllAccounts) returning N accounts: median per call, and per account returned');
console.log('accounts    msal-ts        per account    msal-node      per account    msal-node / msal-ts');
let previous: { size: number; ms: number } | undefined;
for (const size of ACCOUNT_LIST_SIZES) {
  // msal-node's time grows with the square of the accounts: skip a size whose estimated single call overruns the budget.
  const estimateMs = previous === undefined ? 0 : previous.ms * (size / previous.size) ** 2;
  const skipNode = estimateMs > budgetMs;
  const [mine, other] = await accountLists(size, skipNode);
  if (other !== undefined) previous = { size, ms: other.median / 1e6 };
  const per = (r: Measured | undefined): string => (r === undefined ? 'n/a' : ns(r.median / size));
  const note = skipNode ? ` (msal-node skipped: about ${(estimateMs / 1000).toFixed(0)} s per call estimated)` : '';
  console.log(
    `${String(size).padEnd(11)} ${show(mine).padEnd(14)} ${per(mine).padEnd(14)} ${show(other).padEnd(14)} ${per(other).padEnd(14)} ${ratio(mine, other)}${note}`,
  );
}
