// MultiMap keeps a key's only value inline and makes a set for a second one: every step between the two shapes must
// keep the values and their insertion order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MultiMap } from '../../src/cache/multi-map.js';

const a = { name: 'a' };
const b = { name: 'b' };
const c = { name: 'c' };

describe('MultiMap', () => {
  it('holds one value, then several in insertion order, then one again', () => {
    const m = new MultiMap<{ name: string }>();
    m.add('k', a);
    assert.deepEqual(m.get('k'), [a]);
    assert.equal(m.first('k'), a);
    m.add('k', b);
    m.add('k', c);
    assert.deepEqual(m.get('k'), [a, b, c]);
    m.delete('k', a);
    assert.equal(m.first('k'), b);
    m.delete('k', c);
    assert.deepEqual(m.get('k'), [b]);
    m.add('k', a);
    assert.deepEqual(m.get('k'), [b, a], 'a value added after going back to one comes last');
  });

  it('drops a key when its last value goes, and ignores values it does not hold', () => {
    const m = new MultiMap<{ name: string }>();
    m.add('k', a);
    m.delete('k', b);
    assert.deepEqual(m.get('k'), [a]);
    m.delete('k', a);
    assert.equal(m.has('k'), false);
    assert.equal(m.get('k'), undefined);
    assert.equal(m.first('k'), undefined);
    m.add('k', a);
    m.add('k', b);
    m.delete('k', c);
    assert.deepEqual(m.get('k'), [a, b]);
    m.delete('k', b);
    m.delete('k', a);
    assert.equal(m.has('k'), false);
  });

  it('adds a value once, as a set does', () => {
    const m = new MultiMap<{ name: string }>();
    m.add('k', a);
    m.add('k', a);
    assert.deepEqual(m.get('k'), [a]);
    m.add('k', b);
    m.add('k', a);
    assert.deepEqual(m.get('k'), [a, b]);
  });

  it('hands out copies: changing what get returned changes nothing stored', () => {
    const m = new MultiMap<{ name: string }>();
    m.add('k', a);
    m.add('k', b);
    m.get('k')?.pop();
    assert.deepEqual(m.get('k'), [a, b]);
  });
});
