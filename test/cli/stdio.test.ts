// The command's stdout and stderr (src/cli/stdio.ts): writes go straight to the descriptor, so that a token served from
// the cache does not build Node's stream machinery; anything else asked of the stream hands over to Node's real one
// for good, without reordering the output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lazyStream, type CliStream, type DescriptorWriter } from '../../src/cli/stdio.js';

/** A descriptor that records what reaches it; `plan` says how much each call takes ('EAGAIN', 'EPIPE' or a count). */
function descriptor(plan: Array<number | 'EAGAIN' | 'EPIPE'> = []): DescriptorWriter & { bytes: number[]; calls: number } {
  const d = {
    bytes: [] as number[],
    calls: 0,
    writeSync(_fd: number, bytes: Uint8Array): number {
      d.calls++;
      const step = plan.shift() ?? bytes.length;
      if (typeof step === 'string') throw Object.assign(new Error(step), { code: step });
      const taken = Math.min(step, bytes.length);
      d.bytes.push(...bytes.subarray(0, taken));
      return taken;
    },
  };
  return d;
}

/** A stand-in for Node's stream, recording writes after the hand-over. */
function realStream(): { stream: CliStream; writes: string[]; built: () => number; factory: () => CliStream } {
  const writes: string[] = [];
  let built = 0;
  const stream = {
    isTTY: true,
    columns: 80,
    write(chunk: string) {
      writes.push(chunk);
      return true;
    },
  } as unknown as CliStream;
  return { stream, writes, built: () => built, factory: () => (built++, stream) };
}

describe('the CLI stdio', () => {
  it('writes straight to the descriptor and never builds the stream when only written to', async () => {
    const d = descriptor();
    const real = realStream();
    const out = lazyStream(1, real.factory, 'linux', d);
    let called = false;
    assert.equal(
      out.write('tokén\n', () => (called = true)),
      true,
    );
    await Promise.resolve();
    assert.equal(Buffer.from(d.bytes).toString('utf8'), 'tokén\n');
    assert.equal(called, true, 'the callback runs');
    assert.equal(real.built(), 0);
  });

  it('hands over to the real stream for anything else, then writes only there, in order', () => {
    const d = descriptor();
    const real = realStream();
    const out = lazyStream(2, real.factory, 'linux', d);
    out.write('first\n');
    assert.equal(out.isTTY, true);
    assert.equal(out.columns, 80);
    out.write('second\n');
    assert.equal(real.built(), 1);
    assert.equal(Buffer.from(d.bytes).toString('utf8'), 'first\n');
    assert.deepEqual(real.writes, ['second\n']);
  });

  it('finishes a write that a non-blocking descriptor takes in parts or refuses for a moment (EAGAIN)', () => {
    const d = descriptor([3, 'EAGAIN', 0, 2]);
    const out = lazyStream(1, realStream().factory, 'linux', d);
    out.write('0123456789');
    assert.equal(Buffer.from(d.bytes).toString('utf8'), '0123456789');
    assert.ok(d.calls >= 5);
  });

  it('ends quietly when the reader has gone (EPIPE), and throws any other error', () => {
    const gone = lazyStream(1, realStream().factory, 'linux', descriptor(['EPIPE']));
    assert.doesNotThrow(() => gone.write('ignored\n'));
    const broken = lazyStream(1, realStream().factory, 'linux', descriptor(['EIO' as 'EPIPE']));
    assert.throws(() => broken.write('x'), { code: 'EIO' });
  });

  it("uses Node's streams from the start on Windows (a console needs them for non-ASCII text)", () => {
    const real = realStream();
    const out = lazyStream(1, real.factory, 'win32', descriptor());
    assert.equal(out, real.stream);
    assert.equal(real.built(), 1);
  });
});
