/**
 * The command's stdout and stderr, written without Node's streams until something needs a stream.
 *
 * The first use of `process.stdout` builds Node's stream machinery (on a pipe: net, the whole streams stack), about 15
 * million instructions, more than the rest of a token served from the cache now costs (BENCHMARKS.md). A command
 * mostly only writes: `write` goes straight to the file descriptor (`fs.writeSync`), and anything else asked of the
 * stream (`isTTY`, `on`, `columns`, being handed to code that expects a stream) switches to Node's real stream for
 * good, which is then also used for every later write, so the order of the output never changes. On Windows the
 * real streams are used from the start: a console needs Node's TTY stream to show non-ASCII text.
 */

/** What a command may ask of its stdout or stderr (see session.ts's Io). */
export type CliStream = NodeJS.WritableStream & { isTTY?: boolean | undefined; columns?: number | undefined };

/** How a write reaches the descriptor; tests pass their own. */
export interface DescriptorWriter {
  /** Writes some or all of `bytes`; returns how many. */
  writeSync(fd: number, bytes: Uint8Array): number;
}

/**
 * `real()` unless on POSIX, where a stand-in writes to `fd` until anything but `write` is asked of it.
 * @param real - Node's stream (`process.stdout`), built only when needed.
 */
export function lazyStream(fd: number, real: () => CliStream, platform = process.platform, writer: DescriptorWriter = fsWriter()): CliStream {
  if (platform === 'win32') return real();
  let stream: CliStream | undefined;
  const write = (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
    if (stream !== undefined) return stream.write(chunk as string, encodingOrCallback as BufferEncoding, callback as () => void);
    writeAll(writer, fd, typeof chunk === 'string' ? chunk : String(chunk));
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  };
  return new Proxy({} as CliStream, {
    get(_target, property) {
      if (property === 'write') return write;
      stream ??= real();
      const value: unknown = Reflect.get(stream, property, stream);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(stream) : value;
    },
    has(_target, property) {
      stream ??= real();
      return property in stream;
    },
  });
}

/**
 * Writes all of `text`. A descriptor that is non-blocking (a pipe another program set so) may take part of it or none
 * (EAGAIN): the rest is written once it drains. A reader that has gone (EPIPE, `msal-ts token | head -c 10`) ends the
 * output quietly, as Node's own stdout does.
 */
function writeAll(writer: DescriptorWriter, fd: number, text: string): void {
  let rest = Buffer.from(text, 'utf8');
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writer.writeSync(fd, rest));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

function fsWriter(): DescriptorWriter {
  // Not an import: see code-cache.ts.
  const fs = process.getBuiltinModule('node:fs');
  return { writeSync: (fd, bytes) => fs.writeSync(fd, bytes) };
}
