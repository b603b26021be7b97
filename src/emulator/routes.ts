/** Every route of the Entra endpoints, the admin API first. */
import { adminRoutes, type AdminControls } from './endpoints/admin.js';
import { authorizeRoutes } from './endpoints/authorize.js';
import { deviceAuthorizationRoutes } from './endpoints/device-authorization.js';
import { discoveryRoutes } from './endpoints/discovery.js';
import { sessionRoutes } from './endpoints/session.js';
import { signInRoutes } from './endpoints/sign-in.js';
import { tokenRoutes } from './endpoints/token.js';
import type { Route } from './router.js';

/** The routes of one running emulator. */
export function emulatorRoutes(admin: AdminControls): Route[] {
  return [...adminRoutes(admin), ...discoveryRoutes, ...tokenRoutes, ...deviceAuthorizationRoutes, ...authorizeRoutes, ...signInRoutes, ...sessionRoutes];
}
