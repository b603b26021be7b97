/** The msal-ts version, defined by the build; `0.0.0-dev` when running from source. */
declare const __MSAL_TS_VERSION__: string | undefined;

export const VERSION: string = typeof __MSAL_TS_VERSION__ === 'string' ? __MSAL_TS_VERSION__ : '0.0.0-dev';
