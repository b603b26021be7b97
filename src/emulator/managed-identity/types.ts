/** Public types of the emulator's managed identity endpoints. */

/** A source whose environment {@link Emulator.managedIdentityEnvironment} can give (MSAL Python's names). */
export type EmulatorManagedIdentitySource = 'SERVICE_FABRIC' | 'APP_SERVICE' | 'MACHINE_LEARNING' | 'AZURE_ARC' | 'CLOUD_SHELL' | 'DEFAULT_TO_VM';

/** The counted and faultable managed identity endpoints, one per source. */
export type EmulatorManagedIdentityEndpoint = 'mi-imds' | 'mi-app-service' | 'mi-machine-learning' | 'mi-azure-arc' | 'mi-cloud-shell' | 'mi-service-fabric';

/** Options of the managed identity endpoints (`startEmulator({ managedIdentity })`). */
export interface EmulatorManagedIdentityOptions {
  /**
   * Where the Azure Arc endpoint writes the key files its challenges name. Default `<stateDir>/arc-tokens`. A client
   * reads them only from the agent's fixed directory, so only a test that can move that directory (msal-ts's own
   * tests) completes the Arc flow against the emulator.
   */
  arcKeyDirectory?: string;
}

/** A request one managed identity endpoint received, as a test sees it. */
export interface EmulatorRecordedRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** Query parameters (the last value of each). */
  query: Record<string, string>;
  /** Headers with lower-case names, secrets included (this is in-process test data). */
  headers: Record<string, string>;
  body: string;
}
