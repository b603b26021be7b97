// What a short-lived process loads to serve one token from a persisted cache (issue 17): the built package (dist/)
// imported by a fresh `node`, a cache file of 100 app tokens, one token from it with no network. Every module the
// process loads is recorded (the built files through a module hook, Node's own modules through
// process.moduleLoadList), and the test asserts that the code for other paths stays unloaded: the emulator, the
// distributed cache, interactive sign-in, the CLI, koffi and undici, and Node's crypto, HTTP, child process, network and stream modules.
// It counts modules, never time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { SerializableTokenCache } from '../../src/cache/serializable-token-cache.js';
import { ensureBuilt, REPO } from './consumer.js';

const DIST = join(REPO, 'dist');
const CLIENT_ID = '00001111-aaaa-2222-bbbb-3333cccc4444';
const SCOPE = 'https://graph.microsoft.com/.default';
const tenant = (i: number): string => `7e4a0000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

/** Node modules the cache hit has no use for; each one loaded costs a fresh process milliseconds. */
const UNWANTED_BUILTINS = ['crypto', 'http', 'https', 'http2', 'net', 'tls', 'child_process', 'stream', 'fs/promises', 'zlib', 'worker_threads'];

/**
 * The definition of `name` in a built file: `function name`, `class name` or `name=class` (the bundles keep source
 * identifiers; `f(x,"name")` is how an identifier-minified build with esbuild's keepNames registers it). A reference
 * (an import by name) does not match.
 */
function definition(name: string): RegExp {
  return new RegExp(`\\([\\w$]+,"${name}"\\)|\\b(function|class) ${name}\\b|\\b${name}=class\\b`);
}

/** Code that must stay unloaded, by a function or class each of those modules defines. */
const UNWANTED_CODE: Record<string, RegExp> = {
  'the emulator (the msal-ts-emulator package, which msal-ts loads only for `msal-ts emulator`)': definition('startEmulator'),
  'the distributed cache (msal-ts/distributed)': definition('DistributedTokenCache'),
  'the loopback redirect server (interactive sign-in)': definition('startLoopbackServer'),
  'the browser launcher (interactive sign-in)': definition('openBrowserOrShowUrl'),
  'the CLI': definition('runToken'),
  // Loaded on demand by the first call that goes to the network (issue 17):
  'discovery, token requests and id token validation (token-exchange.ts)': definition('TokenExchange'),
  'the id token checks (id-token.ts)': definition('validateIdTokenClaims'),
  "the default HTTP client's request code (undici-transport.ts)": definition('UndiciTransport'),
  'the throttle and retry steps (throttle-steps.ts)': definition('sendWithRetry'),
  'the auth code flow': definition('initiateAuthCodeFlow'),
  'the device code flow': definition('initiateDeviceFlow'),
  'the broker seam': definition('BrokerSeam'),
  'the managed identity sources (resolve-source.ts)': definition('resolveSource'),
  // Loaded by a lock's first acquire(): reads of a persisted cache take no lock.
  "the cross-process lock's work (lock-engine.ts)": definition('LockEngine'),
  "the lock's takeover of a dead holder's file (lock-takeover.ts)": definition('takeOver'),
  'the process checks (process-liveness.ts)': definition('holderState'),
  // Loaded by a LibsecretPersistence's first use.
  'the libsecret binding (libsecret.ts)': definition('createSecretAgent'),
};

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_LOG, url + '\\n');
  return next(url, context);
}
`;

const CHILD = `
const { ConfidentialClientApplication } = await import(process.env.DIST_URL + '/index.js');
const { FilePersistence, PersistedTokenCache } = await import(process.env.DIST_URL + '/extensions.js');
const app = new ConfidentialClientApplication(${JSON.stringify(CLIENT_ID)}, {
  authority: 'https://login.microsoftonline.com/' + process.env.TENANT,
  clientCredential: 'not-sent',
  tokenCache: new PersistedTokenCache(new FilePersistence(process.env.CACHE_FILE)),
  httpClient: { send: () => Promise.reject(new Error('unexpected network request')) },
});
const r = await app.acquireTokenForClient([${JSON.stringify(SCOPE)}]);
const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
const required = Object.keys(process.getBuiltinModule('node:module').createRequire(process.cwd() + '/').cache);
process.stdout.write(JSON.stringify({ source: r.token_source, token: r.access_token, builtins, required}));
`;

describe('a cache hit in a fresh process (the built package)', () => {
  let dir = '';
  let outcome: { source: string; token: string; builtins: string[]; required: string[] } | undefined;
  let loaded: string[] = [];

  before(async () => {
    ensureBuilt(['dist/index.js', 'dist/extensions.js']);
    dir = await mkdtemp(join(tmpdir(), 'msal-ts-cold-start-'));
    const cache = new SerializableTokenCache();
    for (let i = 0; i < 100; i++) {
      cache.add({
        clientId: CLIENT_ID,
        scopes: [SCOPE],
        environment: 'login.microsoftonline.com',
        realm: tenant(i),
        grantType: 'client_credentials',
        response: { access_token: `at-${i}`, token_type: 'Bearer', expires_in: 86_400 },
      });
    }
    writeFileSync(join(dir, 'cache.json'), cache.serialize(), { mode: 0o600 });
    // Written a minute ago: a file written within the last 2 s is hashed on its first read (a writer could still rewrite
    // it within the same mtime tick), and hashing loads node:crypto.
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'cache.json'), past, past);
    writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
    // A file, not \`node -e\`: Node loads node:crypto for -e itself.
    writeFileSync(join(dir, 'child.mjs'), CHILD);
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`,
    );
    const log = join(dir, 'loaded.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DIST_URL: pathToFileURL(DIST).href,
      TENANT: tenant(42),
      CACHE_FILE: join(dir, 'cache.json'),
      LOADED_LOG: log,
    };
    delete env['NODE_TEST_CONTEXT']; // the test runner's, which makes a child node report to it (loading streams)
    // Twice: plainly, for Node's modules (a module hook runs on a worker thread that loads modules of its own), then
    // with the hook that lists the built files.
    const plain = spawnSync(process.execPath, [join(dir, 'child.mjs')], { encoding: 'utf8', env });
    assert.equal(plain.status, 0, plain.stderr);
    outcome = JSON.parse(plain.stdout) as typeof outcome;
    const hooked = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, join(dir, 'child.mjs')], { encoding: 'utf8', env });
    assert.equal(hooked.status, 0, hooked.stderr);
    loaded = readFileSync(log, 'utf8')
      .split('\n')
      .filter((u) => u.startsWith(pathToFileURL(DIST).href));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the token from the persisted file', () => {
    assert.deepEqual({ source: outcome?.source, token: outcome?.token }, { source: 'cache', token: 'at-42' });
  });

  it('loads none of the Node modules it has no use for', () => {
    const unwanted = (outcome?.builtins ?? []).filter((m) => UNWANTED_BUILTINS.includes(m));
    assert.deepEqual(unwanted, [], `loaded: ${unwanted.join(', ')} ${JSON.stringify(outcome)}`);
  });

  it('loads only index.js, extensions.js and shared chunks: no other entry point, no lazily imported chunk', () => {
    const names = loaded.map((u) => u.slice(pathToFileURL(DIST).href.length + 1));
    assert.ok(names.includes('index.js') && names.includes('extensions.js'), names.join(', '));
    const others = names.filter((n) => n !== 'index.js' && n !== 'extensions.js' && !/^chunks\/chunk-[A-Z0-9]+\.js$/.test(n));
    assert.deepEqual(others, [], 'the named chunks are the ones loaded on demand (sign-in, CLI commands)');
    // Proves the hook saw the files: every built file the process needs is a file of dist/.
    const all = readdirSync(join(DIST, 'chunks')).length;
    assert.ok(names.length - 2 < all, `loaded ${names.length - 2} of ${all} chunks`);
  });

  it('loads the core in a few chunks, not one per flow (the build keeps the core together: scripts/build.mjs)', () => {
    const chunks = loaded.filter((u) => u.includes('/chunks/'));
    assert.ok(chunks.length <= 4, `${chunks.length} chunks loaded: ${chunks.join(', ')}`);
  });

  it('loads no CommonJS package: neither koffi (native calls) nor undici (HTTP)', () => {
    assert.deepEqual(outcome?.required, []);
  });

  it('loads none of the code of the emulator, the distributed cache or interactive sign-in', () => {
    const texts = loaded.map((u) => readFileSync(new URL(u), 'utf8'));
    for (const [what, marker] of Object.entries(UNWANTED_CODE)) {
      assert.ok(!texts.some((t) => marker.test(t)), `${what} was loaded`);
    }
    // The markers are real: each one names code that the package does ship.
    const shipped = [
      join(REPO, 'packages', 'emulator', 'dist', 'index.js'),
      join(DIST, 'distributed.js'),
      join(DIST, 'extensions.js'),
      // The command's program, two CommonJS files (scripts/build.mjs).
      join(DIST, 'cli-core.cjs'),
      join(DIST, 'cli-apart.cjs'),
      ...readdirSync(join(DIST, 'chunks')).map((f) => join(DIST, 'chunks', f)),
    ].map((f) => readFileSync(f, 'utf8'));
    for (const [what, marker] of Object.entries(UNWANTED_CODE)) {
      assert.ok(
        shipped.some((t) => marker.test(t)),
        `no built file holds ${what}: update its marker`,
      );
    }
  });
});
