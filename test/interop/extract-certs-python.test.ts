// extractCerts against MSAL Python's own extract_certs (msal.application), on a real three-certificate chain made by
// the openssl CLI: the same certificates, in the same order. MSAL Python keeps the PEM line breaks in each string;
// msal-ts returns plain base64 (as x5c wants), so Python's strings are compared with whitespace removed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractCerts } from '../../src/index.js';

import { PYTHON, PYTHON_LANES, type PythonLane } from './python-lanes.js';

const SCRIPT = [
  'import json, sys, msal',
  'from msal.application import extract_certs',
  'text = sys.stdin.read()',
  'try:',
  '    out = extract_certs(text)',
  'except ValueError as e:',
  '    out = "ValueError"',
  'print(json.dumps({"version": msal.__version__, "certs": out}))',
].join('\n');

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'ignore' });
}

function python(lane: PythonLane, input: string): { version: string; certs: string[] | 'ValueError' } {
  const env = { ...process.env, ...lane.env };
  return JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT], { input, env, encoding: 'utf8' })) as { version: string; certs: string[] | 'ValueError' };
}

describe("extractCerts matches MSAL Python's extract_certs", () => {
  let dir: string;
  let chain: string;
  let key: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'msal-ts-x5c-'));
    const ext = ['-addext', 'basicConstraints=critical,CA:TRUE'];
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'root.key',
        '-out',
        'root.crt',
        '-days',
        '2',
        '-subj',
        '/CN=root',
        ...ext,
      ],
      dir,
    );
    for (const [name, issuer] of [
      ['int', 'root'],
      ['leaf', 'int'],
    ] as const) {
      openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(
        ['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2'],
        dir,
      );
    }
    // A chain file as users keep one: leaf first, text between the blocks.
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    chain = `subject=CN=leaf\n${read('leaf.crt')}\nsubject=CN=int\n${read('int.crt')}${read('root.crt')}`;
    key = read('leaf.key');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const lane of PYTHON_LANES) {
    it(`a PEM chain, a bare base64 certificate and a private key, as ${lane.label}`, { skip: lane.skip }, () => {
      const ours = extractCerts(chain);
      assert.equal(ours.length, 3);
      const theirs = python(lane, chain);
      assert.ok(Array.isArray(theirs.certs), `MSAL Python ${theirs.version} parsed the chain`);
      assert.deepEqual(
        ours,
        theirs.certs.map((c) => c.replace(/\s+/g, '')),
      );

      const bare = extractCerts(`  ${ours[1] ?? ''}\n`);
      assert.deepEqual(bare, python(lane, `  ${ours[1] ?? ''}\n`).certs);

      assert.equal(python(lane, key).certs, 'ValueError');
      assert.throws(() => extractCerts(key), { name: 'TypeError', message: /publicCertContent holds a private key/ });
    });
  }

  it('refuses what is not a certificate, naming the argument', () => {
    assert.throws(() => extractCerts('not a certificate'), /publicCertContent holds neither/);
    assert.throws(() => extractCerts('QUJD'), /publicCertContent holds neither/);
    assert.throws(() => extractCerts(42 as never), /publicCertContent must be a string/);
  });
});
