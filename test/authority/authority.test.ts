import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthorityBuilder } from '../../src/authority/authority-builder.js';
import { parseAuthority, withTenant } from '../../src/authority/authority.js';
import type { Authority } from '../../src/authority/authority.js';
import { AZURE_CHINA, AZURE_PUBLIC, AZURE_US_GOVERNMENT, KNOWN_CLOUDS, knownAliasesOf, knownCloudOf } from '../../src/authority/clouds.js';

const GUID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

type Expected = Omit<Authority, 'isKnownToMicrosoft' | 'isTenantless'> & { known: boolean; tenantless: boolean };

const cases: Array<[string, Expected, boolean?]> = [
  [
    'https://login.microsoftonline.com/common',
    {
      kind: 'aad',
      url: 'https://login.microsoftonline.com/common',
      host: 'login.microsoftonline.com',
      hostWithPort: 'login.microsoftonline.com',
      tenant: 'common',
      path: '/common',
      known: true,
      tenantless: true,
    },
  ],
  [
    'https://login.microsoftonline.com/organizations/',
    {
      kind: 'aad',
      url: 'https://login.microsoftonline.com/organizations',
      host: 'login.microsoftonline.com',
      hostWithPort: 'login.microsoftonline.com',
      tenant: 'organizations',
      path: '/organizations',
      known: true,
      tenantless: true,
    },
  ],
  [
    'https://login.microsoftonline.com/Consumers',
    {
      kind: 'aad',
      url: 'https://login.microsoftonline.com/Consumers',
      host: 'login.microsoftonline.com',
      hostWithPort: 'login.microsoftonline.com',
      tenant: 'Consumers',
      path: '/Consumers',
      known: true,
      tenantless: true,
    },
  ],
  [
    `HTTPS://LOGIN.MicrosoftOnline.COM:443/${GUID}//`,
    {
      kind: 'aad',
      url: `https://login.microsoftonline.com/${GUID}`,
      host: 'login.microsoftonline.com',
      hostWithPort: 'login.microsoftonline.com',
      tenant: GUID,
      path: `/${GUID}`,
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.windows.net/contoso.onmicrosoft.com',
    {
      kind: 'aad',
      url: 'https://login.windows.net/contoso.onmicrosoft.com',
      host: 'login.windows.net',
      hostWithPort: 'login.windows.net',
      tenant: 'contoso.onmicrosoft.com',
      path: '/contoso.onmicrosoft.com',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://sts.windows.net/contoso.com',
    {
      kind: 'aad',
      url: 'https://sts.windows.net/contoso.com',
      host: 'sts.windows.net',
      hostWithPort: 'sts.windows.net',
      tenant: 'contoso.com',
      path: '/contoso.com',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.microsoft.com/common',
    {
      kind: 'aad',
      url: 'https://login.microsoft.com/common',
      host: 'login.microsoft.com',
      hostWithPort: 'login.microsoft.com',
      tenant: 'common',
      path: '/common',
      known: true,
      tenantless: true,
    },
  ],
  [
    'https://login.chinacloudapi.cn/contoso',
    {
      kind: 'aad',
      url: 'https://login.chinacloudapi.cn/contoso',
      host: 'login.chinacloudapi.cn',
      hostWithPort: 'login.chinacloudapi.cn',
      tenant: 'contoso',
      path: '/contoso',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.partner.microsoftonline.cn/contoso',
    {
      kind: 'aad',
      url: 'https://login.partner.microsoftonline.cn/contoso',
      host: 'login.partner.microsoftonline.cn',
      hostWithPort: 'login.partner.microsoftonline.cn',
      tenant: 'contoso',
      path: '/contoso',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.microsoftonline.us/organizations',
    {
      kind: 'aad',
      url: 'https://login.microsoftonline.us/organizations',
      host: 'login.microsoftonline.us',
      hostWithPort: 'login.microsoftonline.us',
      tenant: 'organizations',
      path: '/organizations',
      known: true,
      tenantless: true,
    },
  ],
  [
    'https://login.usgovcloudapi.net/contoso',
    {
      kind: 'aad',
      url: 'https://login.usgovcloudapi.net/contoso',
      host: 'login.usgovcloudapi.net',
      hostWithPort: 'login.usgovcloudapi.net',
      tenant: 'contoso',
      path: '/contoso',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login-us.microsoftonline.com/contoso',
    {
      kind: 'aad',
      url: 'https://login-us.microsoftonline.com/contoso',
      host: 'login-us.microsoftonline.com',
      hostWithPort: 'login-us.microsoftonline.com',
      tenant: 'contoso',
      path: '/contoso',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.contoso.com/contoso.com',
    {
      kind: 'aad',
      url: 'https://login.contoso.com/contoso.com',
      host: 'login.contoso.com',
      hostWithPort: 'login.contoso.com',
      tenant: 'contoso.com',
      path: '/contoso.com',
      known: false,
      tenantless: false,
    },
  ],
  [
    'https://127.0.0.1:8443/common',
    {
      kind: 'aad',
      url: 'https://127.0.0.1:8443/common',
      host: '127.0.0.1',
      hostWithPort: '127.0.0.1:8443',
      tenant: 'common',
      path: '/common',
      known: false,
      tenantless: true,
    },
  ],
  [
    'https://fs.contoso.com/adfs',
    {
      kind: 'adfs',
      url: 'https://fs.contoso.com/adfs',
      host: 'fs.contoso.com',
      hostWithPort: 'fs.contoso.com',
      tenant: 'adfs',
      path: '/adfs',
      known: false,
      tenantless: false,
    },
  ],
  [
    'https://fs.contoso.com/ADFS/',
    {
      kind: 'adfs',
      url: 'https://fs.contoso.com/ADFS',
      host: 'fs.contoso.com',
      hostWithPort: 'fs.contoso.com',
      tenant: 'ADFS',
      path: '/ADFS',
      known: false,
      tenantless: false,
    },
  ],
  [
    'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signupsignin',
    {
      kind: 'b2c',
      url: 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signupsignin',
      host: 'contoso.b2clogin.com',
      hostWithPort: 'contoso.b2clogin.com',
      tenant: 'contoso.onmicrosoft.com',
      path: '/contoso.onmicrosoft.com/B2C_1_signupsignin',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://contoso.b2clogin.cn/contoso.partner.onmschina.cn/b2c_1_x',
    {
      kind: 'b2c',
      url: 'https://contoso.b2clogin.cn/contoso.partner.onmschina.cn/b2c_1_x',
      host: 'contoso.b2clogin.cn',
      hostWithPort: 'contoso.b2clogin.cn',
      tenant: 'contoso.partner.onmschina.cn',
      path: '/contoso.partner.onmschina.cn/b2c_1_x',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://contoso.b2clogin.us/t/p',
    {
      kind: 'b2c',
      url: 'https://contoso.b2clogin.us/t/p',
      host: 'contoso.b2clogin.us',
      hostWithPort: 'contoso.b2clogin.us',
      tenant: 't',
      path: '/t/p',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://contoso.b2clogin.de/t/p',
    {
      kind: 'b2c',
      url: 'https://contoso.b2clogin.de/t/p',
      host: 'contoso.b2clogin.de',
      hostWithPort: 'contoso.b2clogin.de',
      tenant: 't',
      path: '/t/p',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://login.contoso.com/contoso.onmicrosoft.com/B2C_1A_custom',
    {
      kind: 'b2c',
      url: 'https://login.contoso.com/contoso.onmicrosoft.com/B2C_1A_custom',
      host: 'login.contoso.com',
      hostWithPort: 'login.contoso.com',
      tenant: 'contoso.onmicrosoft.com',
      path: '/contoso.onmicrosoft.com/B2C_1A_custom',
      known: false,
      tenantless: false,
    },
  ],
  [
    'https://contoso.ciamlogin.com',
    {
      kind: 'ciam',
      url: 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com',
      host: 'contoso.ciamlogin.com',
      hostWithPort: 'contoso.ciamlogin.com',
      tenant: 'contoso.onmicrosoft.com',
      path: '/contoso.onmicrosoft.com',
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://contoso.ciamlogin.com/',
    {
      kind: 'ciam',
      url: 'https://contoso.ciamlogin.com/contoso.onmicrosoft.com',
      host: 'contoso.ciamlogin.com',
      hostWithPort: 'contoso.ciamlogin.com',
      tenant: 'contoso.onmicrosoft.com',
      path: '/contoso.onmicrosoft.com',
      known: true,
      tenantless: false,
    },
  ],
  [
    `https://contoso.ciamlogin.com/${GUID}`,
    {
      kind: 'ciam',
      url: `https://contoso.ciamlogin.com/${GUID}`,
      host: 'contoso.ciamlogin.com',
      hostWithPort: 'contoso.ciamlogin.com',
      tenant: GUID,
      path: `/${GUID}`,
      known: true,
      tenantless: false,
    },
  ],
  [
    'https://op.example.com',
    {
      kind: 'oidc',
      url: 'https://op.example.com',
      host: 'op.example.com',
      hostWithPort: 'op.example.com',
      tenant: undefined,
      path: '',
      known: false,
      tenantless: false,
    },
    true,
  ],
  [
    'https://op.example.com:8443/realms/acme/',
    {
      kind: 'oidc',
      url: 'https://op.example.com:8443/realms/acme',
      host: 'op.example.com',
      hostWithPort: 'op.example.com:8443',
      tenant: undefined,
      path: '/realms/acme',
      known: false,
      tenantless: false,
    },
    true,
  ],
  [
    `https://login.microsoftonline.com/${GUID}/v2.0`,
    {
      kind: 'oidc',
      url: `https://login.microsoftonline.com/${GUID}/v2.0`,
      host: 'login.microsoftonline.com',
      hostWithPort: 'login.microsoftonline.com',
      tenant: undefined,
      path: `/${GUID}/v2.0`,
      known: true,
      tenantless: false,
    },
    true,
  ],
];

describe('parseAuthority', () => {
  for (const [input, expected, oidc] of cases) {
    it(`${oidc === true ? 'oidc ' : ''}${input}`, () => {
      const a = parseAuthority(input, { oidcAuthority: oidc });
      const { known, tenantless, ...fields } = expected;
      assert.deepEqual(a, { ...fields, isKnownToMicrosoft: known, isTenantless: tenantless });
      assert.ok(Object.isFrozen(a));
      // Parsing the canonical URL again is a fixed point.
      assert.deepEqual(parseAuthority(a.url, { oidcAuthority: oidc }), a);
    });
  }

  it('accepts a URL object and an AuthorityBuilder', () => {
    assert.equal(parseAuthority(new URL('https://login.microsoftonline.com/common/')).url, 'https://login.microsoftonline.com/common');
    const a = parseAuthority(new AuthorityBuilder(AZURE_CHINA, 'contoso.partner.onmschina.cn'));
    assert.equal(a.url, 'https://login.chinacloudapi.cn/contoso.partner.onmschina.cn');
    assert.equal(a.kind, 'aad');
    assert.equal(a.isKnownToMicrosoft, true);
  });

  const misuse: Array<[string, unknown, RegExp]> = [
    ['a number', 42, /authority/],
    ['an empty string', '', /authority must be an https URL/],
    ['a bare host', 'login.microsoftonline.com/common', /authority must be an https URL/],
    ['http', 'http://login.microsoftonline.com/common', /authority must use https/],
    ['another scheme', 'ftp://login.microsoftonline.com/common', /authority must use https/],
    ['no tenant', 'https://login.microsoftonline.com', /authority needs a tenant/],
    ['only a slash', 'https://login.microsoftonline.com/', /authority needs a tenant/],
    ['adfs host without path', 'https://fs.contoso.com', /authority needs a tenant/],
    ['a query', 'https://login.microsoftonline.com/common?x=1', /authority must not have a query or fragment/],
    ['an empty query', 'https://login.microsoftonline.com/common?', /authority must not have a query or fragment/],
    ['a fragment', 'https://login.microsoftonline.com/common#x', /authority must not have a query or fragment/],
    ['user info', 'https://alice:s3cret@login.microsoftonline.com/common', /authority must not contain user credentials/],
    ['an empty path segment', 'https://login.microsoftonline.com//common', /authority has an empty path segment/],
  ];
  for (const [name, input, message] of misuse) {
    it(`throws TypeError for ${name}`, () => {
      assert.throws(
        () => parseAuthority(input as string),
        (e: unknown) => e instanceof TypeError && message.test(e.message) && !e.message.includes('s3cret'),
      );
    });
  }

  it('an oidc authority may have no path, but still needs https', () => {
    assert.equal(parseAuthority('https://op.example.com/', { oidcAuthority: true }).url, 'https://op.example.com');
    assert.throws(() => parseAuthority('http://op.example.com', { oidcAuthority: true }), /https/);
  });
});

describe('AuthorityBuilder', () => {
  it('stringifies to https://{instance}/{tenant}, trimming slashes as MSAL Python does', () => {
    assert.equal(String(new AuthorityBuilder(AZURE_PUBLIC, 'contoso.onmicrosoft.com')), 'https://login.microsoftonline.com/contoso.onmicrosoft.com');
    assert.equal(new AuthorityBuilder('login.microsoftonline.us/', '/organizations/').toString(), 'https://login.microsoftonline.us/organizations');
    const b = new AuthorityBuilder(AZURE_US_GOVERNMENT, 'common');
    assert.equal(b.instance, 'login.microsoftonline.us');
    assert.equal(b.tenant, 'common');
  });

  const misuse: Array<[string, () => unknown, RegExp]> = [
    ['empty instance', () => new AuthorityBuilder('', 't'), /instance/],
    ['instance with a scheme', () => new AuthorityBuilder('https://login.microsoftonline.com', 't'), /instance/],
    ['empty tenant', () => new AuthorityBuilder(AZURE_PUBLIC, '/'), /tenant/],
    ['non-string tenant', () => new AuthorityBuilder(AZURE_PUBLIC, 1 as unknown as string), /tenant/],
  ];
  for (const [name, fn, message] of misuse) {
    it(`throws TypeError for ${name}`, () => {
      assert.throws(fn, (e: unknown) => e instanceof TypeError && message.test(e.message));
    });
  }
});

describe('withTenant', () => {
  it('replaces the tenant of an aad authority, keeping host and port', () => {
    const a = withTenant(parseAuthority('https://127.0.0.1:8443/organizations'), GUID);
    assert.equal(a.url, `https://127.0.0.1:8443/${GUID}`);
    assert.equal(a.tenant, GUID);
    assert.equal(a.isTenantless, false);
    assert.equal(a.kind, 'aad');
    assert.ok(Object.isFrozen(a));
  });

  it('replaces the tenant of a ciam authority', () => {
    const a = withTenant(parseAuthority('https://contoso.ciamlogin.com'), GUID);
    assert.equal(a.url, `https://contoso.ciamlogin.com/${GUID}`);
    assert.equal(a.kind, 'ciam');
  });

  const wrongKind: Array<[string, string, boolean?]> = [
    ['adfs', 'https://fs.contoso.com/adfs'],
    ['b2c', 'https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_x'],
    ['oidc', 'https://op.example.com', true],
  ];
  for (const [kind, url, oidc] of wrongKind) {
    it(`throws TypeError naming authority for ${kind}`, () => {
      assert.throws(
        () => withTenant(parseAuthority(url, { oidcAuthority: oidc }), GUID),
        (e: unknown) => e instanceof TypeError && /^authority/.test(e.message),
      );
    });
  }

  for (const tenant of ['', 'a/b', 'a?b', 'a#b', ' x', '..', 'u@h']) {
    it(`throws TypeError naming tenant for ${JSON.stringify(tenant)}`, () => {
      assert.throws(() => withTenant(parseAuthority('https://login.microsoftonline.com/common'), tenant), /^TypeError: tenant/);
    });
  }

  it('refuses a tenant that would change the kind (adfs)', () => {
    assert.throws(() => withTenant(parseAuthority('https://login.contoso.com/common'), 'adfs'), TypeError);
  });
});

describe('clouds', () => {
  it('exports the constants of MSAL Python', () => {
    assert.equal(AZURE_PUBLIC, 'login.microsoftonline.com');
    assert.equal(AZURE_CHINA, 'login.chinacloudapi.cn');
    assert.equal(AZURE_US_GOVERNMENT, 'login.microsoftonline.us');
  });

  it('lists aliases with the asked host first', () => {
    const aliases = knownAliasesOf('login.windows.net');
    assert.equal(aliases[0], 'login.windows.net');
    assert.deepEqual([...aliases].sort(), ['login.microsoft.com', 'login.microsoftonline.com', 'login.windows.net', 'sts.windows.net']);
    assert.deepEqual(knownAliasesOf(AZURE_CHINA), [AZURE_CHINA, 'login.partner.microsoftonline.cn']);
    assert.deepEqual(knownAliasesOf('login.contoso.com'), ['login.contoso.com']);
  });

  it('every known cloud lists its preferred hosts among its aliases, and no host is in two clouds', () => {
    const seen = new Set<string>();
    for (const cloud of KNOWN_CLOUDS) {
      assert.ok(cloud.aliases.includes(cloud.preferred_network), cloud.name);
      assert.ok(cloud.aliases.includes(cloud.preferred_cache), cloud.name);
      for (const alias of cloud.aliases) {
        assert.ok(!seen.has(alias), alias);
        seen.add(alias);
        assert.equal(knownCloudOf(alias), cloud);
      }
    }
    assert.ok(Object.isFrozen(KNOWN_CLOUDS));
  });
});
