/** The `--help` text of `msal-ts` and of each of its commands (docs/cli.md says the same at more length). */

const COMMON = `Where to sign in (flags win over MSAL_TS_* variables, which win over the config file):
  --client-id ID          Your app registration's id (a public client with "http://localhost" as redirect
                          URI; device code needs "Allow public client flows").   env MSAL_TS_CLIENT_ID
  --authority URL         Default https://login.microsoftonline.com/organizations  env MSAL_TS_AUTHORITY
  --tenant TENANT         Tenant id or domain, replacing the authority's tenant      env MSAL_TS_TENANT
  --scope SCOPE           A scope to request; repeat, or separate with spaces       env MSAL_TS_SCOPES
  --ca PEM                Trust only this CA bundle (e.g. an emulator's CA)          env MSAL_TS_CA
  --no-instance-discovery For hosts Microsoft does not know (custom domains)         env MSAL_TS_INSTANCE_DISCOVERY=0
  --emulator              Use the running \`msal-ts emulator\`: its authority, CA and desktop app
                          (--emulator-state-dir DIR if it runs with --state-dir)  env MSAL_TS_EMULATOR=1
  --config FILE           Default $XDG_CONFIG_HOME/msal-ts/config.json (if present) env MSAL_TS_CONFIG
                          (Windows: %LOCALAPPDATA%\\msal-ts\\config.json)
  --profile NAME          A profile of the config file ("profiles": {NAME: {...}}) env MSAL_TS_PROFILE

Token cache (encrypted in the OS keyring: libsecret, macOS keychain, DPAPI):
  --cache PATH            Default $XDG_CACHE_HOME/msal-ts/token-cache.bin (.json when plaintext)  env MSAL_TS_CACHE
                          (Windows: %LOCALAPPDATA%\\msal-ts\\token-cache.bin)
  --plaintext-cache       Store tokens unencrypted (mode 0600) when no keyring works; warns  env MSAL_TS_PLAINTEXT_CACHE=1

Output:
  --json                  Machine-readable output on stdout
  --verbose               Progress details, and full error details (cause, correlation id, stack)
  -h, --help              This help
`;

const SIGN_IN = `Signing in:
  --device-code           Device code flow, for machines without a browser: shows a code and a URL
                          (the default where there is no display: SSH, containers; says so)
  --browser               The browser flow even where no display is found
  --login-hint USER       Prefill the username on the sign-in page
  --no-browser            Print the sign-in URL instead of opening a browser (BROWSER=cmd picks one)
  --port N                Loopback port of the browser redirect (default: a free one)
  --timeout SECONDS       Give up waiting for the browser after this long (default: until Ctrl+C)
`;

const EXIT_CODES = `Exit codes: 0 ok, 1 unexpected error, 2 bad usage, 3 interaction required, 4 sign-in refused,
5 network or service unavailable (retry), 6 token cache unavailable, 130 interrupted.
`;

/** Help texts by command. */
export const HELP = {
  main: `Usage: msal-ts <command> [options]

Commands:
  login       Sign in (browser on a loopback redirect; --device-code without a browser)
  token       Print an access token: from the cache, else sign in (unless --no-interactive)
  accounts    List the signed-in accounts
  logout      Sign an account out of the token cache
  emulator    Run the local Microsoft Entra ID emulator until Ctrl+C (package msal-ts-emulator)

Options:
  -h, --help       Show help (also: msal-ts <command> --help)
  -v, --version    Show the msal-ts version

Try it offline:  msal-ts emulator   then in another terminal:
                 msal-ts login --emulator --device-code --plaintext-cache
                 msal-ts token --emulator --plaintext-cache --scope User.Read
                 (--plaintext-cache: where no keyring works, as over SSH and in containers)

${EXIT_CODES}Documentation: docs/cli.md
`,
  login: `Usage: msal-ts login [options]

Signs a user in and keeps their tokens in the token cache. Without --scope, asks only for sign-in
(openid profile offline_access); later \`msal-ts token --scope ...\` gets tokens silently.

${SIGN_IN}
${COMMON}
${EXIT_CODES}`,
  token: `Usage: msal-ts token --scope SCOPE [options]

Prints an access token for the scopes: from the token cache (refreshed silently if needed), else after
signing in as \`msal-ts login\` would, unless --no-interactive (then exit code 3).

  --account USER          Which signed-in account (needed when several are)      env MSAL_TS_ACCOUNT
  --no-interactive        Never sign in: exit 3 when the cache cannot serve the token
  --force-refresh         Skip cached access tokens and refresh
  --json                  {access_token, token_type, expires_in, expires_on, scope, token_source, account}
  --output FORMAT         token (the default: the raw token), json (as --json), or exec-credential:
                          kubectl's ExecCredential, for a kubeconfig exec plugin (docs/cli.md)

${SIGN_IN}
${COMMON}
${EXIT_CODES}`,
  accounts: `Usage: msal-ts accounts [options]

Lists the accounts signed in to the authority's cloud: username, tenant and home account id
(--json: an array of {username, home_account_id, tenant_id, local_account_id, environment}).

${COMMON}
${EXIT_CODES}`,
  logout: `Usage: msal-ts logout [--account USER | --all] [options]

Removes an account's tokens of this app from the token cache (the only account, or --account USER,
or --all). Signing out of the browser session is not done: use the identity provider's page.

${COMMON}
${EXIT_CODES}`,
  emulator: `Usage: msal-ts emulator [--port N] [--state-dir DIR] [--auto-approve USER]

Runs the local Microsoft Entra ID emulator (HTTPS on 127.0.0.1) in the foreground until Ctrl+C, printing
its authority, CA path, apps and test users. The CA is kept in the state folder, so trust it once.
The emulator is its own package: install msal-ts-emulator beside msal-ts (without it: exit code 2).

  --port N                Port on 127.0.0.1 (default 0: a free one)
  --state-dir DIR         CA, keys and running state; must be your own folder
                          (default ~/.local/state/msal-ts/emulator on Linux)
  --auto-approve USER     Sign-ins need no page: USER is signed in at once, in the browser flow
                          and the device code flow alike (for scripts)
  -h, --help              This help

Other commands use it with --emulator. Documentation: docs/emulator.md
`,
} as const;
