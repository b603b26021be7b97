// Starts Debian's redis-server on a free loopback port, for the distributed cache tests. No persistence, so a restart
// loses every key (what a crashed cache node looks like). A missing redis-server fails the suite: never skipped.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createClient } from '@redis/client';

/** One redis-server process that can be killed and started again on the same port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: no clean shutdown) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is persisted). */
  restart(): Promise<void>;
  /** Stops it for good; safe to call twice. */
  stop(): Promise<void>;
}

const READY = 'Ready to accept connections';

/** A free TCP port on 127.0.0.1 (closed again: the caller binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Starts `command` and resolves once its output says `ready`; rejects when it exits first, or is not installed (naming
 * the Debian package and the suite that needs it: a missing server fails the suite, never skips it).
 */
export function launchUntilReady(command: string, args: readonly string[], ready: string, suite: string): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(ready)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new Error(`${command} is not installed (apt-get install ${command}): ${suite} need it`) : err);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output.slice(-500)}`)));
  });
}

function launch(port: number): Promise<ChildProcess> {
  return launchUntilReady(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    READY,
    'the distributed cache tests',
  );
}

/** Kills `child` with SIGKILL (no clean shutdown) and waits for it to exit; nothing when it is gone already. */
export async function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGKILL');
  await exited;
}

/** Starts a redis-server on a free port of 127.0.0.1. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await killChild(child);
      child = undefined;
    },
    async restart() {
      await killChild(child);
      child = await launch(port);
    },
    async stop() {
      await killChild(child);
      child = undefined;
    },
  };
}

/** A connected @redis/client client as an app would configure it: no offline queue, fast reconnects. */
export async function connectClient(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries: number) => Math.min(20 * (retries + 1), 200) },
  });
  // Connection errors are expected while a test has the server down; an unhandled 'error' event would crash the run.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
