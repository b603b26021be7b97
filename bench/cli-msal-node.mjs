// The Azure CLI-style equivalent of `msal-ts token` on @azure/msal-node, for bench/cli.ts: a PublicClientApplication
// with a file cache plugin (read the file before each cache access, write it after a change), then acquireTokenSilent
// for the one account. Authority and instance metadata are given, as a tool with a persisted http cache would, so a
// cache hit needs no request. Usage: node cli-msal-node.mjs <config.json>; prints the access token.
import { readFileSync, writeFileSync } from 'node:fs';
import { PublicClientApplication } from '@azure/msal-node';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const cachePlugin = {
  async beforeCacheAccess(ctx) {
    try {
      ctx.tokenCache.deserialize(readFileSync(config.cachePath, 'utf8'));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  },
  async afterCacheAccess(ctx) {
    if (ctx.cacheHasChanged) writeFileSync(config.cachePath, ctx.tokenCache.serialize(), { mode: 0o600 });
  },
};
const app = new PublicClientApplication({
  auth: {
    clientId: config.clientId,
    authority: config.authority,
    knownAuthorities: [new URL(config.authority).host],
    authorityMetadata: config.authorityMetadata,
    cloudDiscoveryMetadata: config.cloudDiscoveryMetadata,
  },
  cache: { cachePlugin },
});
const [account] = await app.getTokenCache().getAllAccounts();
if (account === undefined) {
  console.error('no account in the cache');
  process.exit(3);
}
const result = await app.acquireTokenSilent({ account, scopes: config.scopes });
process.stdout.write(`${result.accessToken}\n`);
