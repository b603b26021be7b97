/** `msal-ts accounts` and `msal-ts logout`: list the signed-in accounts, and sign them out of the token cache. */
import { parseFlags } from './parse-flags.js';
import { CliError, EXIT } from './exit-codes.js';
import { openSession, type Io } from './session.js';
import { COMMON_OPTIONS, resolveSettings } from './settings.js';
import { accountView } from './token-commands.js';
import { HELP } from './usage.js';

/** `msal-ts accounts`. */
export async function runAccounts(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, COMMON_OPTIONS);
  if (values.help === true) {
    io.stdout.write(HELP.accounts);
    return EXIT.ok;
  }
  const settings = resolveSettings(values, io.env);
  const session = await openSession(settings, io);
  const accounts = await session.app.getAccounts();
  if (settings.json) {
    io.stdout.write(`${JSON.stringify(accounts.map(accountView))}\n`);
  } else if (accounts.length === 0) {
    io.stderr.write('No account is signed in (run `msal-ts login`).\n');
  } else {
    for (const a of accounts) io.stdout.write(`${a.username}\ttenant ${a.realm ?? '-'}\t${a.home_account_id}\n`);
  }
  return EXIT.ok;
}

/** `msal-ts logout`. */
export async function runLogout(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, { ...COMMON_OPTIONS, account: { type: 'string' }, all: { type: 'boolean' } });
  if (values.help === true) {
    io.stdout.write(HELP.logout);
    return EXIT.ok;
  }
  if (values.all === true && values.account !== undefined) throw new CliError(EXIT.usage, '--all and --account cannot be used together');
  const settings = resolveSettings(values, io.env);
  const session = await openSession(settings, io);
  const accounts = await session.app.getAccounts(values.account);
  if (accounts.length > 1 && values.all !== true && values.account === undefined) {
    throw new CliError(
      EXIT.usage,
      `${accounts.length} accounts are signed in (${accounts.map((a) => a.username).join(', ')}): choose one with --account, or --all`,
    );
  }
  for (const a of accounts) await session.app.removeAccount(a);
  const names = accounts.map((a) => a.username);
  if (settings.json) io.stdout.write(`${JSON.stringify({ signed_out: names })}\n`);
  else if (names.length === 0) io.stderr.write(values.account === undefined ? 'No account was signed in.\n' : `${values.account} was not signed in.\n`);
  else io.stdout.write(`Signed out ${names.join(', ')}.\n`);
  return EXIT.ok;
}
