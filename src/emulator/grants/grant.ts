/** The shape of one token endpoint grant handler. */
import type { EmulatorContext } from '../context.js';
import type { TenantRef } from '../directory.js';
import type { EmulatorRequest } from '../http.js';

/** Handles one grant type: returns the 200 response body, or throws an AadFailure. */
export type GrantHandler = (ctx: EmulatorContext, req: EmulatorRequest, tenant: TenantRef) => Record<string, unknown>;
