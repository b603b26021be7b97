/**
 * Which managed identity to ask for: the resource's own (system-assigned) one, or a user-assigned one named by its
 * client id, object (principal) id or Azure resource id. The same two classes as MSAL Python.
 */

/** How a user-assigned identity is named. */
export type ManagedIdentityIdType = 'ClientId' | 'ObjectId' | 'ResourceId';

/**
 * The system-assigned managed identity of the Azure resource the code runs on.
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new SystemAssignedManagedIdentity());
 * ```
 */
export class SystemAssignedManagedIdentity {
  /** MSAL Python's `ManagedIdentityIdType` value. */
  readonly idType = 'SystemAssigned' as const;
  /** System-assigned identities have no id of their own. */
  readonly id: undefined = undefined;
}

/** Exactly one of `clientId`, `objectId` or `resourceId`. */
export type UserAssignedManagedIdentityInput =
  | { clientId: string; objectId?: undefined; resourceId?: undefined }
  | { objectId: string; clientId?: undefined; resourceId?: undefined }
  | { resourceId: string; clientId?: undefined; objectId?: undefined };

/**
 * A user-assigned managed identity, named by exactly one of its client id, object (principal) id or Azure resource id
 * (`/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>`).
 *
 * @example
 * ```ts
 * const client = new ManagedIdentityClient(new UserAssignedManagedIdentity({ clientId: '…' }));
 * ```
 */
export class UserAssignedManagedIdentity {
  readonly idType: ManagedIdentityIdType;
  /** The id as given. */
  readonly id: string;

  /**
   * @param input - `{ clientId }`, `{ objectId }` or `{ resourceId }`.
   * @throws TypeError when not exactly one of them is a non-empty string.
   */
  constructor(input: UserAssignedManagedIdentityInput) {
    if (typeof input !== 'object' || input === null) {
      throw new TypeError('UserAssignedManagedIdentity takes { clientId } or { objectId } or { resourceId }');
    }
    const given: Array<[ManagedIdentityIdType, unknown]> = [
      ['ClientId', input.clientId],
      ['ObjectId', input.objectId],
      ['ResourceId', input.resourceId],
    ];
    const present = given.filter(([, v]) => v !== undefined);
    const [only] = present;
    if (present.length !== 1 || only === undefined) {
      throw new TypeError('UserAssignedManagedIdentity takes exactly one of clientId, objectId, resourceId');
    }
    const [idType, id] = only;
    if (typeof id !== 'string' || id.trim() === '') {
      throw new TypeError(
        `UserAssignedManagedIdentity: ${idType === 'ClientId' ? 'clientId' : idType === 'ObjectId' ? 'objectId' : 'resourceId'} must be a non-empty string`,
      );
    }
    this.idType = idType;
    this.id = id;
  }
}

/** Either kind of managed identity. */
export type ManagedIdentity = SystemAssignedManagedIdentity | UserAssignedManagedIdentity;

/**
 * MSAL Python's dict form of an identity, e.g. kept as JSON in a configuration variable:
 * `{"ManagedIdentityIdType": "SystemAssigned", "Id": null}` or `{"ManagedIdentityIdType": "ClientId", "Id": "…"}`.
 */
export type ManagedIdentityConfig =
  { ManagedIdentityIdType: 'SystemAssigned'; Id?: null | undefined } | { ManagedIdentityIdType: ManagedIdentityIdType; Id: string };

/** Checks a caller's identity argument, accepting the dict form too. TypeError when it is neither. */
export function checkManagedIdentity(identity: unknown): ManagedIdentity {
  if (identity instanceof SystemAssignedManagedIdentity || identity instanceof UserAssignedManagedIdentity) return identity;
  if (typeof identity === 'object' && identity !== null && 'ManagedIdentityIdType' in identity) {
    const { ManagedIdentityIdType: type, Id: id } = identity as { ManagedIdentityIdType: unknown; Id?: unknown };
    if (type === 'SystemAssigned' && (id === undefined || id === null)) return new SystemAssignedManagedIdentity();
    if ((type === 'ClientId' || type === 'ObjectId' || type === 'ResourceId') && typeof id === 'string') {
      const input: UserAssignedManagedIdentityInput = type === 'ClientId' ? { clientId: id } : type === 'ObjectId' ? { objectId: id } : { resourceId: id };
      return new UserAssignedManagedIdentity(input);
    }
  }
  throw new TypeError("identity must be a SystemAssignedManagedIdentity, a UserAssignedManagedIdentity or MSAL Python's dict form");
}

/** The `client_id` MSAL Python files a managed identity's tokens under. */
export function cacheClientId(identity: ManagedIdentity): string {
  return identity.id ?? 'SYSTEM_ASSIGNED_MANAGED_IDENTITY';
}

/** The query parameter names a source uses for each kind of user-assigned id. */
export type IdParameterNames = Readonly<Record<ManagedIdentityIdType, string>>;

/** IMDS, Azure ML and Azure Arc spell the resource id `msi_res_id`. */
export const IMDS_ID_PARAMETERS: IdParameterNames = { ClientId: 'client_id', ObjectId: 'object_id', ResourceId: 'msi_res_id' };

/** Adds the identity's query parameter, if it is user-assigned. */
export function addIdParameter(params: URLSearchParams, identity: ManagedIdentity, names: IdParameterNames): void {
  if (identity instanceof UserAssignedManagedIdentity) params.set(names[identity.idType], identity.id);
}
