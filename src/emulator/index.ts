/**
 * msal-ts-emulator (its own package, packages/emulator): a local Microsoft Entra ID look-alike over HTTPS on
 * 127.0.0.1, for testing apps offline. See docs/emulator.md.
 */
export { startEmulator } from './server.js';
export { EmulatorStateError } from './errors.js';
export type { Emulator, EmulatorOptions } from './types.js';
export type {
  EmulatorApi,
  EmulatorApp,
  EmulatorAppInput,
  EmulatorCertificateFiles,
  EmulatorConfig,
  EmulatorConfigInput,
  EmulatorGuestMembership,
  EmulatorResource,
  EmulatorResourceInput,
  EmulatorTenant,
  EmulatorTenantInput,
  EmulatorUser,
  EmulatorUserInput,
} from './config.js';
export type { EmulatorEndpoint, EmulatorFault, EmulatorFaultKind } from './faults.js';
export { DEFAULT_IDS, GRAPH_APP_ID, CONSUMERS_TENANT_ID } from './default-config.js';
export { MANAGED_IDENTITY_IDS } from './managed-identity/identities.js';
export type { EmulatorManagedIdentityApi } from './managed-identity/attach.js';
export type {
  EmulatorManagedIdentityEndpoint,
  EmulatorManagedIdentityOptions,
  EmulatorManagedIdentitySource,
  EmulatorRecordedRequest,
} from './managed-identity/types.js';
