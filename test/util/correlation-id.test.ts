import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newCorrelationId } from '../../src/util/correlation-id.js';

describe('newCorrelationId', () => {
  it('gives version 4 UUIDs, all distinct, the last field counting up by one', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = newCorrelationId();
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
    const a = newCorrelationId();
    const b = newCorrelationId();
    assert.equal((parseInt(b.slice(-12), 16) - parseInt(a.slice(-12), 16) + 2 ** 48) % 2 ** 48, 1);
  });
});
