// The CLI's config files: any text in the config file, any profile name, any MSAL_TS_* variable, and any running
// emulator's state file (what `--emulator` reads). resolveSettings returns well-formed settings or throws a usage
// CliError; a profile the file does not hold, or a state file that names no process, is a usage error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { CliError, EXIT } from '../../src/cli/exit-codes.js';
import { EMULATOR_STATE_FILE, resolveSettings, type CommonFlags } from '../../src/cli/settings.js';
import { fuzz, only, runs } from './budget.js';

const BUDGET = { ci: 150, fuzz: 10_000, long: 60_000 } as const;
const home = mkdtempSync(join(tmpdir(), 'msal-ts-fuzz-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));
const configPath = join(home, 'config.json');
const stateDir = join(home, 'emulator-state');
mkdirSync(stateDir);

const anyValue = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
);
const text = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'https://login.example.test/tenant',
    'organizations',
    'User.Read offline_access',
    '~/cache.json',
    'rel/cache.json',
    '/abs/cache.json',
  ),
  fc.string({ maxLength: 20 }),
);
/** Mostly a value of the right type, sometimes anything. */
const mostly = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: anyValue });
const layer = fc.record(
  {
    clientId: mostly(text),
    authority: mostly(text),
    tenant: mostly(text),
    scopes: mostly(fc.oneof(text, fc.array(text, { maxLength: 3 }))),
    ca: mostly(text),
    instanceDiscovery: mostly(fc.boolean()),
    cache: mostly(text),
    plaintextCache: mostly(fc.boolean()),
    emulator: mostly(fc.boolean()),
  },
  { requiredKeys: [] },
);
const PROFILE_NAMES = ['dev', 'prod', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', 'length', ''] as const;
const configFile = fc.oneof(
  fc.string(),
  fc.json({ maxDepth: 3 }),
  fc
    .tuple(
      layer,
      fc.oneof(
        fc.dictionary(fc.constantFrom(...PROFILE_NAMES), fc.oneof(layer, anyValue), { maxKeys: 3 }),
        fc.array(layer, { maxLength: 2 }),
        anyValue,
        fc.constant(undefined),
      ),
    )
    .map(([top, profiles]) => JSON.stringify(profiles === undefined ? top : { ...top, profiles })),
);
const stateFile = fc.oneof(
  fc.string(),
  fc.json({ maxDepth: 2 }),
  fc
    .record(
      {
        url: mostly(fc.constant('https://127.0.0.1:8443')),
        authority: mostly(fc.constant('https://127.0.0.1:8443/common')),
        caPath: mostly(fc.constant('/tmp/ca.pem')),
        pid: mostly(fc.constantFrom(process.pid, 4_194_305, 0, -1, 1.5, -process.pid, 2 ** 53, 1e300)),
        publicClientId: mostly(fc.constant('public-client')),
      },
      { requiredKeys: ['url', 'authority', 'caPath', 'pid', 'publicClientId'] },
    )
    .map((o) => JSON.stringify(o)),
);
const envValue = fc.oneof(fc.constant(undefined), text, fc.constantFrom('1', 'true', 'YES', 'off', '0', 'maybe'));
const environment = fc.record({
  MSAL_TS_CLIENT_ID: envValue,
  MSAL_TS_AUTHORITY: envValue,
  MSAL_TS_TENANT: envValue,
  MSAL_TS_SCOPES: envValue,
  MSAL_TS_CACHE: envValue,
  MSAL_TS_INSTANCE_DISCOVERY: envValue,
  MSAL_TS_PLAINTEXT_CACHE: envValue,
  MSAL_TS_EMULATOR: fc.constantFrom(undefined, 'false', '1'),
  MSAL_TS_PROFILE: fc.oneof(fc.constant(undefined), fc.constantFrom(...PROFILE_NAMES)),
});

describe(`fuzzing CLI config files (${runs(BUDGET)} configurations)`, () => {
  it('resolveSettings returns well-formed settings or throws a usage CliError', async () => {
    await fuzz(
      'cli-settings',
      fc.asyncProperty(
        configFile,
        stateFile,
        environment,
        fc.boolean(),
        fc.option(fc.constantFrom(...PROFILE_NAMES), { nil: undefined }),
        async (config, state, env, emulatorFlag, profileFlag) => {
          writeFileSync(configPath, config);
          writeFileSync(join(stateDir, EMULATOR_STATE_FILE), state);
          const flags: CommonFlags = { config: configPath, 'emulator-state-dir': stateDir, emulator: emulatorFlag, profile: profileFlag };
          let settings: ReturnType<typeof resolveSettings> | undefined;
          const err = await only([CliError], () => {
            settings = resolveSettings(flags, { ...env, HOME: home, XDG_CONFIG_HOME: home, XDG_CACHE_HOME: home });
          });
          if (settings === undefined) {
            assert.ok(err instanceof CliError && err.exitCode === EXIT.usage);
            return;
          }
          assert.ok(typeof settings.clientId === 'string' && settings.clientId.trim() !== '');
          assert.equal(typeof settings.authority, 'string');
          assert.ok(settings.scopes.every((s) => typeof s === 'string' && s !== '' && !/[\s,]/.test(s)));
          assert.ok(isAbsolute(settings.cachePath) || settings.cachePath.startsWith('~'));

          // A profile is used only when the file holds it.
          const profile = profileFlag?.trim() || env.MSAL_TS_PROFILE?.trim() || undefined;
          if (profile !== undefined) {
            const profiles = (JSON.parse(config) as { profiles?: unknown }).profiles;
            assert.ok(
              typeof profiles === 'object' && profiles !== null && Object.hasOwn(profiles, profile),
              `profile ${JSON.stringify(profile)} is not in the file`,
            );
          }
          // --emulator only with a state file naming a process.
          if (settings.emulatorUrl !== undefined) {
            const pid = (JSON.parse(state) as { pid: unknown }).pid;
            assert.ok(typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0, `pid ${String(pid)}`);
          }
        },
      ),
      BUDGET,
    );
  });
});

describe('CLI settings fuzz regressions', () => {
  it('a profile named __proto__ that the file does not hold is a usage error, not an empty profile', () => {
    writeFileSync(configPath, JSON.stringify({ clientId: 'abc', profiles: { dev: {} } }));
    assert.throws(
      () => resolveSettings({ config: configPath, profile: '__proto__' }, { HOME: home }),
      (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage,
    );
  });

  it('an emulator state file whose pid is not a positive integer names no running emulator', () => {
    writeFileSync(configPath, '{}');
    for (const pid of [0, -1, 1.5, 2 ** 53, -process.pid]) {
      writeFileSync(
        join(stateDir, EMULATOR_STATE_FILE),
        JSON.stringify({ url: 'https://127.0.0.1:1', authority: 'https://127.0.0.1:1/common', caPath: '/ca.pem', pid, publicClientId: 'p' }),
      );
      assert.throws(
        () => resolveSettings({ config: configPath, emulator: true, 'emulator-state-dir': stateDir }, { HOME: home }),
        (err: unknown) => err instanceof CliError && err.exitCode === EXIT.usage,
        `pid ${pid}`,
      );
    }
  });
});
