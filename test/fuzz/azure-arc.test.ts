// The Azure Arc challenge: whatever `WWW-Authenticate` the agent's port answers with (paths that climb, other
// directories, other extensions, separators of the other platform, encodings, quotes, NULs), the client either
// fails with a ManagedIdentityError before sending anything more, or answers with the content of a .key file that
// sits directly in the trusted key directory. No other file's content is ever sent.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ManagedIdentityError } from '../../src/errors.js';
import type { HttpRequest, HttpResponse } from '../../src/http/http-client.js';
import { SystemAssignedManagedIdentity } from '../../src/managed-identity/managed-identity.js';
import { azureArcToken, type ArcHost } from '../../src/managed-identity/sources/azure-arc.js';
import { fuzz, only, runs } from './budget.js';

const BUDGET = { ci: 150, fuzz: 10_000, long: 60_000 } as const;
const root = mkdtempSync(join(tmpdir(), 'msal-ts-fuzz-arc-'));
const dir = join(root, 'tokens');
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(dir, 'sub'), { recursive: true });
mkdirSync(join(dir, 'dir.key'));
writeFileSync(join(dir, 'good.key'), 'secret-good');
writeFileSync(join(dir, 'other.key'), 'secret-other');
writeFileSync(join(dir, 'big.key'), 'b'.repeat(4097));
writeFileSync(join(dir, 'notes.txt'), 'secret-notes');
writeFileSync(join(dir, 'sub', 'inner.key'), 'secret-inner');
writeFileSync(join(root, 'outside.key'), 'secret-outside');
const ALLOWED = new Set(['Basic secret-good', 'Basic secret-other']);
const WINDOWS_DIR = 'C:\\ProgramData\\AzureConnectedMachineAgent\\Tokens';

const segment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('good.key', 'other.key', 'big.key', 'notes.txt', 'dir.key', 'sub', 'inner.key', 'outside.key', 'missing.key', basename(dir)),
  },
  fc.constantFrom(
    '..',
    '.',
    '',
    '.key',
    'good.key.txt',
    'GOOD.KEY',
    'good.Key',
    '%2e%2e',
    'good%2ekey',
    '..\\',
    'good.key\u0000',
    'x\u0000.key',
    'good.key ',
    ' good.key',
    '~',
  ),
  fc.string({ maxLength: 6 }),
);
const prefix = fc.constantFrom(
  dir,
  `${dir}/`,
  `${dir}//`,
  `${dir}/./`,
  `${dir}/../tokens`,
  root,
  '',
  '/',
  '//',
  'file://',
  WINDOWS_DIR,
  `${WINDOWS_DIR}\\`,
  dir.toUpperCase(),
  `\\\\?\\${dir}`,
);
const realm = fc.oneof(
  // The agent's own challenge, for a file that is there or not.
  { weight: 2, arbitrary: segment.map((name) => `${dir}/${name}`) },
  fc.string({ maxLength: 40 }),
  fc
    .tuple(prefix, fc.array(segment, { minLength: 1, maxLength: 4 }), fc.constantFrom('/', '\\', '//'))
    .map(([p, segs, sep]) => `${p}${p === '' ? '' : sep}${segs.join(sep)}`),
);
const header = fc.oneof(
  { weight: 4, arbitrary: realm.map((r) => `Basic realm=${r}`) },
  fc
    .tuple(
      fc.constantFrom(
        'basic realm=',
        'BASIC REALM=',
        '  Basic realm=',
        'Basic realm="',
        'Basic  realm=',
        'Bearer realm=',
        'Basic realm =',
        'Basic realm=x, Basic realm=',
      ),
      realm,
      fc.constantFrom('', ' ', '"', '\t', ', Bearer'),
    )
    .map(([a, r, z]) => `${a}${r}${z}`),
  fc.string({ maxLength: 30 }),
  fc.constant(undefined),
);

describe(`fuzzing the Azure Arc challenge (${runs(BUDGET)} challenges)`, () => {
  it('a ManagedIdentityError before a second request, or the content of a .key file directly in the key directory', async () => {
    await fuzz(
      'azure-arc-challenge',
      fc.asyncProperty(header, fc.constantFrom<NodeJS.Platform>('linux', 'linux', 'linux', 'win32', 'darwin'), async (challenge, platform) => {
        const sent: HttpRequest[] = [];
        const http = {
          send(request: HttpRequest): Promise<HttpResponse> {
            sent.push(request);
            const headers: Record<string, string> = challenge === undefined ? {} : { 'www-authenticate': challenge };
            if (sent.length === 1) return Promise.resolve({ status: 401, headers, body: '' });
            return Promise.resolve({ status: 200, headers: {}, body: JSON.stringify({ access_token: 'at', expires_in: '3600', token_type: 'Bearer' }) });
          },
        };
        const host: ArcHost = { platform, keyDirectory: (p) => (p === 'linux' ? dir : p === 'win32' ? WINDOWS_DIR : undefined) };
        const req = {
          http,
          identity: new SystemAssignedManagedIdentity(),
          resource: 'https://vault.azure.net',
          headers: {},
          correlationId: 'c',
          signal: undefined,
          now: () => 1_700_000_000_000,
          tokenSha256ToRefresh: undefined,
          clientCapabilities: undefined,
        };
        const err = await only([ManagedIdentityError], () => azureArcToken(req, 'http://127.0.0.1:40342/metadata/identity/oauth2/token', host));
        assert.ok(sent.length === 1 || sent.length === 2);
        if (sent.length === 1) {
          assert.ok(err instanceof ManagedIdentityError, 'a refusal is typed');
          return;
        }
        assert.equal(err, undefined);
        assert.equal(platform, 'linux');
        const authorization = sent[1]?.headers['authorization'] ?? '';
        assert.ok(ALLOWED.has(authorization), `sent ${JSON.stringify(authorization.slice(0, 40))}`);
        // The challenge named that very file: the directory joined with a base name, nothing else.
        const named = /^\s*basic realm=(.+?)\s*$/i.exec(challenge ?? '')?.[1] ?? '';
        assert.equal(named, posix.join(dir, posix.basename(named)));
      }),
      BUDGET,
    );
  });
});
