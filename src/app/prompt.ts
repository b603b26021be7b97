/** The OIDC `prompt` values (MSAL Python's `Prompt`). Apart from the auth code flow, which loads on first use. */
export const Prompt = Object.freeze({
  NONE: 'none',
  LOGIN: 'login',
  CONSENT: 'consent',
  SELECT_ACCOUNT: 'select_account',
  CREATE: 'create',
} as const);
