/**
 * The option keys of the public client's brokered methods: the shared methods' keys plus `authScheme`. Listed here,
 * apart from the confidential client's, so that `authScheme` stays refused there (no broker serves a confidential client).
 */
import type { OptionKeys } from '../../util/options.js';
import type { PublicClientSilentOptions, PublicClientUsernamePasswordOptions } from './broker-seam.js';

export const PUBLIC_CLIENT_SILENT_KEYS: OptionKeys<PublicClientSilentOptions> = {
  account: true,
  authority: true,
  forceRefresh: true,
  claimsChallenge: true,
  data: true,
  correlationId: true,
  signal: true,
  authScheme: true,
};

export const PUBLIC_CLIENT_USERNAME_PASSWORD_KEYS: OptionKeys<PublicClientUsernamePasswordOptions> = {
  claimsChallenge: true,
  data: true,
  correlationId: true,
  signal: true,
  authScheme: true,
};
