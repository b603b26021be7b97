// The generic TokenCache API against MSAL Python 1.31's own TokenCache on the same cache: the same search answers
// (order included), the same expired-token purge, and the same file after modify / remove_rt / remove_account.
// MSAL Python 1.21 (Debian) has only `find`, without the purge, so this runs against the peers copy next to the project.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { SerializableTokenCache, type CacheEntry, type CredentialType, type SearchOptions } from '../../src/index.js';
import { b64, buildIdToken } from '../cache/helpers.js';

import { PEERS_LANE, PYTHON } from './python-lanes.js';

type Op =
  | { readonly op: 'search'; readonly type: CredentialType; readonly target?: string[]; readonly query?: Record<string, unknown>; readonly now: number }
  | { readonly op: 'modify'; readonly type: CredentialType; readonly index: number; readonly pairs?: Record<string, unknown> }
  | { readonly op: 'remove_rt' | 'remove_account'; readonly index: number };

// Each op acts on the entries of the previous search (as a Python caller would).
const SCRIPT = `
import json, sys
from msal.token_cache import SerializableTokenCache
data = json.load(sys.stdin)
cache = SerializableTokenCache()
cache.deserialize(data["cache"])
out, last = [], []
for op in data["ops"]:
    if op["op"] == "search":
        last = list(cache.search(op["type"], target=op.get("target"), query=op.get("query"), now=op["now"]))
        out.append(last)
    elif op["op"] == "modify":
        cache.modify(op["type"], last[op["index"]], op.get("pairs"))
    elif op["op"] == "remove_rt":
        cache.remove_rt(last[op["index"]])
    else:
        cache.remove_account(last[op["index"]])
print(json.dumps({"results": out, "cache": json.loads(cache.serialize())}))
`;

function userEvent(clientId: string, environment: string, uid: string, scopes: string[], expiresIn: number): Parameters<SerializableTokenCache['add']>[0] {
  return {
    clientId,
    scopes,
    environment,
    realm: 't',
    grantType: 'authorization_code',
    response: {
      access_token: `at-${uid}-${clientId}-${environment}`,
      expires_in: expiresIn,
      token_type: 'Bearer',
      refresh_token: `rt-${uid}-${clientId}-${environment}`,
      client_info: b64({ uid, utid: 't' }),
      id_token: buildIdToken({ oid: uid, tid: 't', preferred_username: `${uid}@example.com` }),
    },
  };
}

function ours(text: string, ops: readonly Op[]): { results: CacheEntry[][]; cache: unknown } {
  const cache = new SerializableTokenCache();
  cache.deserialize(text);
  const results: CacheEntry[][] = [];
  let last: CacheEntry[] = [];
  const at = (index: number): CacheEntry => {
    const entry = last[index];
    assert.ok(entry, `entry ${index} of the last search`);
    return entry;
  };
  for (const op of ops) {
    if (op.op === 'search') {
      const options: SearchOptions = { target: op.target, query: op.query, now: op.now };
      last = [...cache.search(op.type, options)];
      results.push(last);
    } else if (op.op === 'modify') cache.modify(op.type, at(op.index), op.pairs);
    else if (op.op === 'remove_rt') cache.removeRt(at(op.index));
    else cache.removeAccount(at(op.index));
  }
  return { results, cache: JSON.parse(cache.serialize()) };
}

describe('the generic TokenCache API agrees with MSAL Python 1.31', () => {
  // MSAL Python 1.31 is not a Debian package (test/interop/python-lanes.ts). Debian's 1.21 has no TokenCache.search, so
  // there is no peer to compare with where 1.31 is absent; the skip says so.
  it('search, modify, remove_rt and remove_account on the same cache', { skip: PEERS_LANE.skip }, () => {
    const seed = new SerializableTokenCache();
    seed.add(userEvent('c1', 'e1', 'u', ['a', 'b'], 3600), 1000);
    seed.add(userEvent('c1', 'e1', 'u', ['c'], 100), 1000);
    seed.add(userEvent('c2', 'e2', 'u', ['a'], 3600), 1000);
    seed.add(userEvent('c1', 'e2', 'v', ['b'], 3600), 1000);
    const text = seed.serialize();
    const ops: Op[] = [
      { op: 'search', type: 'RefreshToken', now: 1000 },
      { op: 'search', type: 'Account', query: { home_account_id: 'u.t' }, now: 1000 },
      { op: 'search', type: 'AccessToken', target: ['a'], now: 1000 },
      { op: 'search', type: 'AccessToken', target: ['b', 'a'], query: { home_account_id: 'u.t', environment: 'e1', client_id: 'c1', realm: 't' }, now: 1000 },
      { op: 'search', type: 'AccessToken', query: { client_id: 'c1' }, now: 2000 },
      { op: 'search', type: 'AccessToken', now: 0 },
      { op: 'search', type: 'RefreshToken', query: { environment: 'e2' }, now: 1000 },
      { op: 'modify', type: 'RefreshToken', index: 0, pairs: { secret: 'changed', last_modification_time: '1500' } },
      { op: 'remove_rt', index: 1 },
      { op: 'search', type: 'IdToken', query: { client_id: 'c1' }, now: 1000 },
      { op: 'modify', type: 'IdToken', index: 1 },
      { op: 'search', type: 'Account', now: 1000 },
      { op: 'remove_account', index: 0 },
      { op: 'search', type: 'AppMetadata', target: ['x'], now: 1000 },
    ];
    const input = JSON.stringify({ cache: text, ops });
    const python = JSON.parse(execFileSync(PYTHON, ['-c', SCRIPT], { input, encoding: 'utf8', env: { ...process.env, ...PEERS_LANE.env } })) as {
      results: unknown[][];
      cache: unknown;
    };
    const mine = ours(text, ops);
    assert.equal(mine.results[4]?.length, 2, 'the expired c1 token is skipped at now=2000');
    assert.equal(mine.results[5]?.length, 3, 'and purged: gone at now=0');
    assert.deepEqual(mine.results, python.results);
    assert.deepEqual(mine.cache, python.cache);
  });
});
