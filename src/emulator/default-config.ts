/**
 * The directory `startEmulator()` starts with, so that it works with no configuration, and the merge of user config
 * over it. Every id is fixed, so tokens, caches and test fixtures stay valid across runs.
 */
import type {
  EmulatorApi,
  EmulatorApp,
  EmulatorAppInput,
  EmulatorConfig,
  EmulatorConfigInput,
  EmulatorResource,
  EmulatorTenant,
  EmulatorUser,
} from './config.js';
import { isGuid, randomGuid } from './ids.js';

/** The fixed ids of the default directory, for tests and documentation. */
export const DEFAULT_IDS = {
  tenantId: 'aaaabbbb-0000-cccc-1111-dddd2222eeee',
  tenantDomain: 'contoso.onmicrosoft.com',
  secondTenantId: 'bbbbcccc-1111-dddd-2222-eeee3333ffff',
  secondTenantDomain: 'fabrikam.onmicrosoft.com',
  daemonClientId: '00001111-aaaa-2222-bbbb-3333cccc4444',
  daemonSecret: 'emulator-daemon-secret',
  certificateClientId: '11112222-bbbb-3333-cccc-4444dddd5555',
  publicClientId: '22223333-cccc-4444-dddd-5555eeee6666',
  familyClientIdA: '33334444-dddd-5555-eeee-6666ffff7777',
  familyClientIdB: '44445555-eeee-6666-ffff-7777aaaa8888',
  webApiClientId: '55556666-ffff-7777-aaaa-8888bbbb9999',
  webApiSecret: 'emulator-webapi-secret',
  aliceUsername: 'alice@contoso.onmicrosoft.com',
  alicePassword: 'alice-password',
  bobUsername: 'bob@fabrikam.onmicrosoft.com',
  bobPassword: 'bob-password',
} as const;

/** Microsoft Graph's well-known app id. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The tenant id Entra uses for personal Microsoft accounts (`consumers`). */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

const LOOPBACK_REDIRECTS = ['http://localhost', 'http://127.0.0.1'];

function microsoftResources(): EmulatorResource[] {
  return [
    {
      appId: GRAPH_APP_ID,
      displayName: 'Microsoft Graph',
      identifierUris: ['https://graph.microsoft.com', 'https://graph.microsoft.com/'],
      scopes: ['*'],
      defaultScopes: ['User.Read'],
      appRoles: ['User.Read.All', 'Mail.Read', 'Directory.Read.All'],
      accessTokenVersion: 1,
    },
    {
      appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013',
      displayName: 'Windows Azure Service Management API',
      identifierUris: ['https://management.azure.com', 'https://management.azure.com/', 'https://management.core.windows.net/'],
      scopes: ['user_impersonation'],
      defaultScopes: ['user_impersonation'],
      appRoles: [],
      accessTokenVersion: 1,
    },
    {
      appId: 'cfa8b339-82a2-471a-a3c9-0fc0be7a4093',
      displayName: 'Azure Key Vault',
      identifierUris: ['https://vault.azure.net'],
      scopes: ['user_impersonation'],
      defaultScopes: ['user_impersonation'],
      appRoles: [],
      accessTokenVersion: 1,
    },
    {
      appId: 'e406a681-f3d4-42a8-90b6-c2b029497af1',
      displayName: 'Azure Storage',
      identifierUris: ['https://storage.azure.com', 'https://storage.azure.com/'],
      scopes: ['user_impersonation'],
      defaultScopes: ['user_impersonation'],
      appRoles: [],
      accessTokenVersion: 1,
    },
  ];
}

function app(fields: Partial<EmulatorApp> & { clientId: string; displayName: string }): EmulatorApp {
  return {
    homeTenantId: DEFAULT_IDS.tenantId,
    signInAudience: 'AzureADMyOrg',
    kind: 'public',
    clientSecrets: [],
    certificates: [],
    redirectUris: [],
    allowPublicClientFlows: false,
    familyId: undefined,
    api: undefined,
    appPermissions: {},
    accessTokenLifetimeSeconds: undefined,
    certificateFiles: undefined,
    ...fields,
  };
}

/** The default directory; `certificateApp` is the generated certificate credential of the certificate app. */
export function defaultConfig(): EmulatorConfig {
  return {
    defaultTenantId: DEFAULT_IDS.tenantId,
    tenants: [
      { id: DEFAULT_IDS.tenantId, domains: [DEFAULT_IDS.tenantDomain, 'contoso.com'], displayName: 'Contoso' },
      { id: DEFAULT_IDS.secondTenantId, domains: [DEFAULT_IDS.secondTenantDomain], displayName: 'Fabrikam' },
    ],
    apps: defaultApps(),
    users: defaultUsers(),
    resources: microsoftResources(),
    autoApprove: undefined,
  };
}

function defaultApps(): EmulatorApp[] {
  const webApi = DEFAULT_IDS.webApiClientId;
  return [
    app({
      clientId: DEFAULT_IDS.daemonClientId,
      displayName: 'Contoso Daemon',
      kind: 'confidential',
      clientSecrets: [DEFAULT_IDS.daemonSecret],
      appPermissions: {
        'https://graph.microsoft.com': ['User.Read.All'],
        [`api://${webApi}`]: ['Data.Read.All'],
      },
    }),
    app({
      clientId: DEFAULT_IDS.certificateClientId,
      displayName: 'Contoso Certificate Daemon',
      kind: 'confidential',
      appPermissions: { 'https://graph.microsoft.com': ['User.Read.All'] },
    }),
    app({
      clientId: DEFAULT_IDS.publicClientId,
      displayName: 'Contoso Desktop App',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: [...LOOPBACK_REDIRECTS, `ms-appx-web://microsoft.aad.brokerplugin/${DEFAULT_IDS.publicClientId}`],
      allowPublicClientFlows: true,
    }),
    app({
      clientId: DEFAULT_IDS.familyClientIdA,
      displayName: 'Contoso Family App A',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: [...LOOPBACK_REDIRECTS],
      allowPublicClientFlows: true,
      familyId: '1',
    }),
    app({
      clientId: DEFAULT_IDS.familyClientIdB,
      displayName: 'Contoso Family App B',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: [...LOOPBACK_REDIRECTS],
      allowPublicClientFlows: true,
      familyId: '1',
    }),
    app({
      clientId: webApi,
      displayName: 'Contoso Web API',
      kind: 'confidential',
      clientSecrets: [DEFAULT_IDS.webApiSecret],
      redirectUris: ['http://localhost/auth/callback', 'https://localhost/auth/callback'],
      api: {
        identifierUris: [`api://${webApi}`],
        scopes: ['access_as_user'],
        defaultScopes: ['access_as_user'],
        appRoles: ['Data.Read.All'],
        accessTokenVersion: 2,
      },
      appPermissions: { 'https://graph.microsoft.com': ['User.Read.All'] },
    }),
  ];
}

function defaultUsers(): EmulatorUser[] {
  return [
    {
      username: DEFAULT_IDS.aliceUsername,
      password: DEFAULT_IDS.alicePassword,
      displayName: 'Alice Example',
      givenName: 'Alice',
      surname: 'Example',
      objectId: 'a11ce000-0000-4000-8000-000000000001',
      homeTenantId: DEFAULT_IDS.tenantId,
      guestOf: [],
    },
    {
      username: DEFAULT_IDS.bobUsername,
      password: DEFAULT_IDS.bobPassword,
      displayName: 'Bob Example',
      givenName: 'Bob',
      surname: 'Example',
      objectId: 'b0b00000-0000-4000-8000-000000000002',
      homeTenantId: DEFAULT_IDS.secondTenantId,
      guestOf: [{ tenantId: DEFAULT_IDS.tenantId, objectId: 'b0b00000-0000-4000-8000-0000000000a2' }],
    },
  ];
}

function requireGuid(value: unknown, name: string): string {
  if (typeof value !== 'string' || !isGuid(value)) throw new TypeError(`${name} must be a GUID`);
  return value.toLowerCase();
}

function requireStrings(value: unknown, name: string): void {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new TypeError(`${name} must be an array of strings`);
  }
}

function mergeApi(base: EmulatorApi | undefined, input: Partial<EmulatorApi> | undefined, clientId: string): EmulatorApi | undefined {
  if (input === undefined) return base;
  const scopes = input.scopes ?? base?.scopes ?? [];
  return {
    identifierUris: input.identifierUris ?? base?.identifierUris ?? [`api://${clientId}`],
    scopes,
    defaultScopes: input.defaultScopes ?? base?.defaultScopes ?? scopes.filter((s) => s !== '*'),
    appRoles: input.appRoles ?? base?.appRoles ?? [],
    accessTokenVersion: input.accessTokenVersion ?? base?.accessTokenVersion ?? 2,
  };
}

function mergeApp(base: EmulatorApp | undefined, input: EmulatorAppInput, defaultTenantId: string, where: string): EmulatorApp {
  const clientSecrets = input.clientSecrets ?? base?.clientSecrets ?? [];
  const certificates = input.certificates ?? base?.certificates ?? [];
  requireStrings(clientSecrets, `${where}.clientSecrets`);
  requireStrings(certificates, `${where}.certificates`);
  const { api, ...rest } = input;
  const merged: EmulatorApp = {
    ...app({
      clientId: input.clientId,
      displayName: input.displayName ?? base?.displayName ?? input.clientId,
      homeTenantId: defaultTenantId,
      kind: clientSecrets.length > 0 || certificates.length > 0 ? 'confidential' : 'public',
    }),
    ...base,
    ...rest,
    clientId: input.clientId.toLowerCase(),
    clientSecrets,
    certificates,
  };
  merged.api = mergeApi(base?.api, api, merged.clientId);
  requireStrings(merged.redirectUris, `${where}.redirectUris`);
  merged.homeTenantId = requireGuid(merged.homeTenantId, `${where}.homeTenantId`);
  return merged;
}

/** How one list of the config is merged: the key of an entry and of an input, and the merge of the two. */
interface MergeRule<T, I> {
  keyOfBase: (t: T) => string;
  keyOfInput: (i: I, where: string) => string;
  merge: (b: T | undefined, i: I, where: string) => T;
}

function mergeByKey<T, I>(name: string, base: T[], inputs: I[] | undefined, rule: MergeRule<T, I>): T[] {
  const { keyOfBase, keyOfInput, merge } = rule;
  const out = [...base];
  if (inputs === undefined) return out;
  if (!Array.isArray(inputs)) throw new TypeError(`options.config.${name} must be an array`);
  inputs.forEach((input, n) => {
    const where = `options.config.${name}[${n}]`;
    const key = keyOfInput(input, where);
    const at = out.findIndex((t) => keyOfBase(t) === key);
    if (at >= 0) out[at] = merge(out[at], input, where);
    else out.push(merge(undefined, input, where));
  });
  return out;
}

type TenantInput = NonNullable<EmulatorConfigInput['tenants']>[number];
type UserInput = NonNullable<EmulatorConfigInput['users']>[number];
type ResourceInput = NonNullable<EmulatorConfigInput['resources']>[number];

const TENANT_RULE: MergeRule<EmulatorTenant, TenantInput> = {
  keyOfBase: (t) => t.id,
  keyOfInput: (i, where) => requireGuid(i.id, `${where}.id`),
  merge: (b, i, where) => {
    const t: EmulatorTenant = {
      displayName: i.displayName ?? b?.displayName ?? i.id,
      domains: (i.domains ?? b?.domains ?? []).map((d) => d.toLowerCase()),
      id: requireGuid(i.id, `${where}.id`),
    };
    requireStrings(t.domains, `${where}.domains`);
    return t;
  },
};

function appRule(defaultTenantId: string): MergeRule<EmulatorApp, EmulatorAppInput> {
  return {
    keyOfBase: (a) => a.clientId,
    keyOfInput: (i, where) => requireGuid(i.clientId, `${where}.clientId`),
    merge: (b, i, where) => mergeApp(b, i, defaultTenantId, where),
  };
}

function userRule(defaultTenantId: string): MergeRule<EmulatorUser, UserInput> {
  return {
    keyOfBase: (u) => u.username.toLowerCase(),
    keyOfInput: (i, where) => {
      if (typeof i.username !== 'string' || !i.username.includes('@')) throw new TypeError(`${where}.username must be a UPN like user@domain`);
      return i.username.toLowerCase();
    },
    merge: (b, i, where) => {
      const u: EmulatorUser = {
        password: 'password',
        displayName: i.username.split('@')[0] ?? i.username,
        givenName: '',
        surname: '',
        objectId: '',
        homeTenantId: defaultTenantId,
        guestOf: [],
        ...b,
        ...i,
      };
      u.objectId = u.objectId === '' ? randomGuid() : requireGuid(u.objectId, `${where}.objectId`);
      u.homeTenantId = requireGuid(u.homeTenantId, `${where}.homeTenantId`);
      if (typeof u.password !== 'string') throw new TypeError(`${where}.password must be a string`);
      return u;
    },
  };
}

const RESOURCE_RULE: MergeRule<EmulatorResource, ResourceInput> = {
  keyOfBase: (r) => r.appId,
  keyOfInput: (i, where) => requireGuid(i.appId, `${where}.appId`),
  merge: (b, i) => ({
    displayName: i.appId,
    identifierUris: [],
    scopes: ['*'],
    defaultScopes: [],
    appRoles: [],
    accessTokenVersion: 1,
    ...b,
    ...i,
    appId: i.appId.toLowerCase(),
  }),
};

/** Refuses a config whose default tenant, users' tenants or auto-approved user are not in it. */
function checkReferences(config: EmulatorConfig): void {
  const { tenants, users } = config;
  if (!tenants.some((t) => t.id === config.defaultTenantId)) {
    throw new RangeError('options.config.defaultTenantId must be the id of a configured tenant');
  }
  for (const u of users) {
    for (const t of [u.homeTenantId, ...u.guestOf.map((g) => g.tenantId)]) {
      if (!tenants.some((x) => x.id === t)) throw new RangeError(`options.config.users: ${u.username} refers to unknown tenant ${t}`);
    }
  }
  if (config.autoApprove !== undefined && !users.some((u) => u.username.toLowerCase() === config.autoApprove?.toLowerCase())) {
    throw new RangeError('options.config.autoApprove must be the username of a configured user');
  }
}

/** Merges `input` over the defaults and checks what the emulator relies on. Throws TypeError naming the bad field. */
export function resolveConfig(input: EmulatorConfigInput | undefined): EmulatorConfig {
  const defaults = defaultConfig();
  const base: EmulatorConfig = input?.replaceDefaults === true ? { ...defaults, tenants: [], apps: [], users: [], autoApprove: undefined } : defaults;
  const defaultTenantId =
    input?.defaultTenantId === undefined
      ? ((input?.replaceDefaults === true ? input.tenants?.[0]?.id : undefined) ?? base.defaultTenantId)
      : input.defaultTenantId;
  const tenants = mergeByKey('tenants', base.tenants, input?.tenants, TENANT_RULE);
  const apps = mergeByKey('apps', base.apps, input?.apps, appRule(defaultTenantId));
  const users = mergeByKey('users', base.users, input?.users, userRule(defaultTenantId));
  const resources = mergeByKey('resources', base.resources, input?.resources, RESOURCE_RULE);
  const config: EmulatorConfig = {
    defaultTenantId: requireGuid(defaultTenantId, 'options.config.defaultTenantId'),
    tenants,
    apps,
    users,
    resources,
    autoApprove: input?.autoApprove ?? base.autoApprove,
  };
  checkReferences(config);
  return config;
}
