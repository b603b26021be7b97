/**
 * The managed identities the emulator's managed identity endpoints serve: one system-assigned identity and one
 * user-assigned identity (addressable by client id, object id or resource id), in the default tenant. Their object
 * ids are the service principal ids the emulator puts in app tokens (`oid`), so the tokens and these ids agree.
 */
import type { EmulatorApp } from '../config.js';
import { DEFAULT_IDS } from '../default-config.js';
import { deterministicGuid } from '../ids.js';

const SYSTEM_CLIENT_ID = '66667777-aaaa-8888-bbbb-9999cccc0001';
const USER_CLIENT_ID = '66667777-aaaa-8888-bbbb-9999cccc0002';

/** The fixed ids of the emulator's managed identities. */
export const MANAGED_IDENTITY_IDS = {
  systemAssignedClientId: SYSTEM_CLIENT_ID,
  systemAssignedObjectId: deterministicGuid('service-principal', SYSTEM_CLIENT_ID, DEFAULT_IDS.tenantId),
  userAssignedClientId: USER_CLIENT_ID,
  userAssignedObjectId: deterministicGuid('service-principal', USER_CLIENT_ID, DEFAULT_IDS.tenantId),
  userAssignedResourceId: `/subscriptions/${DEFAULT_IDS.tenantId}/resourcegroups/msal-ts-emulator/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emulator-identity`,
} as const;

/** One identity the endpoints can issue tokens for. */
export interface EmulatorManagedIdentity {
  readonly clientId: string;
  readonly objectId: string;
  readonly resourceId: string | undefined;
  readonly displayName: string;
}

const SYSTEM: EmulatorManagedIdentity = {
  clientId: MANAGED_IDENTITY_IDS.systemAssignedClientId,
  objectId: MANAGED_IDENTITY_IDS.systemAssignedObjectId,
  resourceId: undefined,
  displayName: 'Emulator system-assigned identity',
};

const USER: EmulatorManagedIdentity = {
  clientId: MANAGED_IDENTITY_IDS.userAssignedClientId,
  objectId: MANAGED_IDENTITY_IDS.userAssignedObjectId,
  resourceId: MANAGED_IDENTITY_IDS.userAssignedResourceId,
  displayName: 'Emulator user-assigned identity',
};

/** How a request named the identity. */
export type IdentitySelector = { by: 'system' } | { by: 'clientId' | 'objectId' | 'resourceId'; value: string };

/** The identity a selector names, or `undefined` when none matches. */
export function findIdentity(selector: IdentitySelector): EmulatorManagedIdentity | undefined {
  if (selector.by === 'system') return SYSTEM;
  const wanted = selector.value.toLowerCase();
  for (const identity of [SYSTEM, USER]) {
    const id = selector.by === 'clientId' ? identity.clientId : selector.by === 'objectId' ? identity.objectId : identity.resourceId;
    if (id?.toLowerCase() === wanted) return identity;
  }
  return undefined;
}

/** The identity as an app registration, so the emulator's app-token issuing can sign for it. */
export function identityAsApp(identity: EmulatorManagedIdentity, tenantId: string): EmulatorApp {
  return {
    clientId: identity.clientId,
    displayName: identity.displayName,
    homeTenantId: tenantId,
    signInAudience: 'AzureADMyOrg',
    kind: 'confidential',
    clientSecrets: [],
    certificates: [],
    redirectUris: [],
    allowPublicClientFlows: false,
    familyId: undefined,
    api: undefined,
    appPermissions: {},
    accessTokenLifetimeSeconds: undefined,
    certificateFiles: undefined,
  };
}
