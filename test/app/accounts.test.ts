// getAccounts and removeAccount: grouping by home account, case-insensitive username, a guest tenant (realm differs
// from the home tenant), ADFS and B2C account shapes, and what removeAccount deletes and keeps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { DEFAULT_IDS, startEmulator, type Emulator } from '../../src/emulator/index.js';
import { GRAPH_USER_READ, makePca } from './helpers.js';

function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}

describe('accounts against the emulator', () => {
  let emulator: Emulator;

  before(async () => {
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.close();
  });

  it('lists a guest sign-in once per home account, with the guest tenant as realm', async () => {
    const cache = new SerializableTokenCache();
    const contoso = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const fabrikam = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache, authority: emulator.authorityFor(DEFAULT_IDS.secondTenantId) });
    await contoso.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    // Bob is a Fabrikam user and a guest in Contoso: two Account entries (one per realm), one account.
    await fabrikam.acquireTokenByUsernamePassword(DEFAULT_IDS.bobUsername, DEFAULT_IDS.bobPassword, GRAPH_USER_READ);
    const guest = await contoso.acquireTokenByUsernamePassword(DEFAULT_IDS.bobUsername, DEFAULT_IDS.bobPassword, GRAPH_USER_READ);
    assert.equal(guest.id_token_claims?.['tid'], DEFAULT_IDS.tenantId);

    const accounts = await contoso.getAccounts();
    assert.deepEqual(accounts.map((a) => a.username).sort(), [DEFAULT_IDS.aliceUsername, DEFAULT_IDS.bobUsername]);
    const [bob] = await contoso.getAccounts('BOB@Fabrikam.onmicrosoft.com');
    assert.ok(bob);
    assert.equal(bob.home_account_id, `b0b00000-0000-4000-8000-000000000002.${DEFAULT_IDS.secondTenantId}`);
    assert.equal(bob.realm, DEFAULT_IDS.tenantId, 'the last sign-in (as a guest of Contoso) wins');
    assert.notEqual(bob.realm, bob.home_account_id.split('.')[1]);
    assert.equal(bob.local_account_id, 'b0b00000-0000-4000-8000-0000000000a2', "the guest's object id in Contoso");

    // A guest's token for the home tenant comes from the same refresh token.
    const home = await contoso.acquireTokenSilent(GRAPH_USER_READ, {
      account: bob,
      authority: emulator.authorityFor(DEFAULT_IDS.secondTenantId),
      forceRefresh: true,
    });
    assert.equal(home?.id_token_claims?.['tid'], DEFAULT_IDS.secondTenantId);
    assert.deepEqual(await contoso.getAccounts('nobody@contoso.com'), []);
  });

  it("removeAccount forgets the account but keeps other accounts and other apps' refresh tokens", async () => {
    const cache = new SerializableTokenCache();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const other = makePca(emulator, DEFAULT_IDS.familyClientIdA, { tokenCache: cache });
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    await app.acquireTokenByUsernamePassword(DEFAULT_IDS.bobUsername, DEFAULT_IDS.bobPassword, GRAPH_USER_READ);
    await other.acquireTokenByUsernamePassword(DEFAULT_IDS.aliceUsername, DEFAULT_IDS.alicePassword, GRAPH_USER_READ);
    const [alice] = await app.getAccounts(DEFAULT_IDS.aliceUsername);
    assert.ok(alice);

    await app.removeAccount(alice);
    const json = JSON.parse(cache.serialize()) as Record<string, Record<string, Record<string, string>>>;
    const owned = (section: string): Array<Record<string, string>> =>
      Object.values(json[section] ?? {}).filter((e) => e['home_account_id'] === alice.home_account_id);
    assert.deepEqual(
      owned('RefreshToken').map((rt) => rt['client_id']),
      [DEFAULT_IDS.familyClientIdA],
      "the other app's refresh token stays",
    );
    assert.equal(owned('AccessToken').length, 0);
    assert.equal(owned('IdToken').length, 0);
    assert.equal(owned('Account').length, 0);
    assert.deepEqual(
      (await app.getAccounts()).map((a) => a.username),
      [DEFAULT_IDS.bobUsername],
    );
    assert.equal(await app.acquireTokenSilent(GRAPH_USER_READ, { account: alice }), undefined);
    await assert.rejects(app.removeAccount({} as never), TypeError);
  });

  it('lists ADFS accounts (keyed by sub) and B2C accounts (one per policy), as MSAL Python does', async () => {
    const cache = new SerializableTokenCache();
    const app = makePca(emulator, DEFAULT_IDS.publicClientId, { tokenCache: cache });
    const now = Math.floor(Date.now() / 1000);
    cache.add({
      clientId: DEFAULT_IDS.publicClientId,
      scopes: ['openid'],
      environment: '127.0.0.1',
      realm: 'adfs',
      grantType: 'authorization_code',
      response: { access_token: 'at', expires_in: 3600, id_token: unsignedJwt({ sub: 'adfs-subject', upn: 'carol@corp.example', exp: now + 3600 }) },
    });
    const b2cInfo = Buffer.from(JSON.stringify({ uid: 'b2c-oid-b2c_1_signin', utid: 'b2c-tenant' })).toString('base64url');
    cache.add({
      clientId: DEFAULT_IDS.publicClientId,
      scopes: ['openid'],
      environment: '127.0.0.1',
      realm: 'contoso.onmicrosoft.com',
      grantType: 'authorization_code',
      response: { access_token: 'at', expires_in: 3600, client_info: b2cInfo, id_token: unsignedJwt({ sub: 'b2c-oid', exp: now + 3600 }) },
    });
    const accounts = await app.getAccounts();
    const byId = new Map(accounts.map((a) => [a.home_account_id, a]));
    assert.equal(byId.get('adfs-subject')?.authority_type, 'ADFS');
    assert.equal(byId.get('adfs-subject')?.username, 'carol@corp.example');
    assert.equal(byId.get('b2c-oid-b2c_1_signin.b2c-tenant')?.authority_type, 'MSSTS');
    assert.equal(byId.get('b2c-oid-b2c_1_signin.b2c-tenant')?.username, '', 'B2C id tokens often carry no username');
  });
});
