/**
 * The emulator's directory: tenants, app registrations, users and the Microsoft resources they can ask tokens for.
 * The types here are what users write in `startEmulator({ config })` (the `...Input` forms, with most fields optional)
 * and what `emulator.config` gives back (every field resolved).
 */

/** A directory (tenant). */
export interface EmulatorTenant {
  /** Tenant id, a GUID. */
  id: string;
  /** Verified domain names; the first is the initial `*.onmicrosoft.com` domain. An authority may use any of them. */
  domains: string[];
  displayName: string;
}

/** A guest membership: the user also exists in `tenantId`, with a different object id there (as Entra B2B does). */
export interface EmulatorGuestMembership {
  tenantId: string;
  objectId: string;
}

/** A user who can sign in with a password. */
export interface EmulatorUser {
  /** The sign-in name (UPN), e.g. alice@contoso.onmicrosoft.com. Compared case-insensitively. */
  username: string;
  /** Stored in clear: this is a local test emulator. */
  password: string;
  displayName: string;
  givenName: string;
  surname: string;
  /** Object id in the home tenant; with homeTenantId it forms `client_info` (uid, utid). */
  objectId: string;
  homeTenantId: string;
  guestOf: EmulatorGuestMembership[];
}

/** An API an app exposes (or a Microsoft resource such as Microsoft Graph): what tokens can be issued for. */
export interface EmulatorApi {
  /** Identifier URIs (application ID URIs), e.g. `api://<client id>` or `https://graph.microsoft.com`. */
  identifierUris: string[];
  /** Delegated permissions (`scp`). `['*']` accepts any scope name, as a stand-in for Graph's long list. */
  scopes: string[];
  /** The delegated permissions `<resource>/.default` stands for in user flows. */
  defaultScopes: string[];
  /** Application permissions (app roles) that can appear in `roles`. */
  appRoles: string[];
  /** v1 tokens (`iss` https://.../{tid}/, `appid`, `upn`, aud = identifier URI) or v2 (aud = client id, `azp`). */
  accessTokenVersion: 1 | 2;
}

/** A Microsoft first-party resource, not an app registration (Graph, Azure Resource Manager, ...). */
export interface EmulatorResource extends EmulatorApi {
  appId: string;
  displayName: string;
}

/** Files of a certificate credential the emulator generated, so tests and users can do certificate auth at once. */
export interface EmulatorCertificateFiles {
  certificatePath: string;
  privateKeyPath: string;
  /** SHA-1 thumbprint, upper-case hex, as the Entra portal shows it and MSAL takes it. */
  thumbprint: string;
  /** SHA-256 thumbprint, upper-case hex. */
  thumbprintSha256: string;
}

/** An app registration. */
export interface EmulatorApp {
  clientId: string;
  displayName: string;
  homeTenantId: string;
  /** `AzureADMyOrg`: only its home tenant; `AzureADMultipleOrgs`: any configured tenant, and `common`/`organizations`. */
  signInAudience: 'AzureADMyOrg' | 'AzureADMultipleOrgs';
  /** Public clients present no credential; confidential ones must present a secret or a certificate assertion. */
  kind: 'public' | 'confidential';
  clientSecrets: string[];
  /** PEM certificates whose private keys may sign client assertions. */
  certificates: string[];
  redirectUris: string[];
  /** Entra's "Allow public client flows": device code and username/password. */
  allowPublicClientFlows: boolean;
  /** FOCI family id (Microsoft's is "1"); apps of one family redeem each other's refresh tokens. */
  familyId: string | undefined;
  /** The API this app exposes, if any (it then can be the audience of tokens, e.g. for on-behalf-of). */
  api: EmulatorApi | undefined;
  /** Application permissions granted to this app, per resource identifier: the `roles` of its app-only tokens. */
  appPermissions: Record<string, string[]>;
  /** Overrides the emulator's access token lifetime for tokens issued to this app. */
  accessTokenLifetimeSeconds: number | undefined;
  /** Set for the default certificate app: where its generated key and certificate are. */
  certificateFiles: EmulatorCertificateFiles | undefined;
}

/** The whole resolved directory. */
export interface EmulatorConfig {
  defaultTenantId: string;
  tenants: EmulatorTenant[];
  apps: EmulatorApp[];
  users: EmulatorUser[];
  resources: EmulatorResource[];
  /** Username signed in without UI: at the authorize endpoint when the request has no usable login_hint, and for every new device code (in the tenants the user can sign in to). */
  autoApprove: string | undefined;
}

/** A tenant entry in user config; matched to a default by `id`, then merged over it. */
export type EmulatorTenantInput = Partial<EmulatorTenant> & { id: string };
/** A user entry in user config; matched by `username` (case-insensitive). */
export type EmulatorUserInput = Partial<EmulatorUser> & { username: string };
/** An app entry in user config; matched by `clientId`. `api` may be given partially. */
export type EmulatorAppInput = Partial<Omit<EmulatorApp, 'api'>> & { clientId: string; api?: Partial<EmulatorApi> };
/** A resource entry in user config; matched by `appId`. */
export type EmulatorResourceInput = Partial<EmulatorResource> & { appId: string };

/** What `startEmulator({ config })` takes: entries are merged over the defaults (see {@link defaultConfig}). */
export interface EmulatorConfigInput {
  defaultTenantId?: string;
  tenants?: EmulatorTenantInput[];
  apps?: EmulatorAppInput[];
  users?: EmulatorUserInput[];
  resources?: EmulatorResourceInput[];
  autoApprove?: string;
  /** Start from an empty directory instead of the defaults (Microsoft resources are kept). */
  replaceDefaults?: boolean;
}
