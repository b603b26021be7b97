// Starts a Sentinel-managed Redis on loopback for the distributed cache tests: one primary, one replica (Debian's
// redis-server) and three sentinels (Debian's redis-sentinel), no persistence, `down-after-milliseconds` 1000 so a
// killed primary is replaced within seconds. Stopped by PID. A missing redis-server or redis-sentinel fails the suite.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createSentinel } from '@redis/client';

export const SENTINEL_NAME = 'msal-ts-primary';

/** A running primary + replica + three sentinels. */
export interface RedisSentinelHandle {
  readonly sentinelPorts: readonly number[];
  /** The data nodes' ports, the first one the primary at start. */
  readonly dataPorts: readonly number[];
  /** The port the sentinels name as primary now. */
  primaryPort(): Promise<number>;
  /** SIGKILLs one data node and waits for the process to exit. */
  kill(port: number): Promise<void>;
  /** Stops every process (by PID) and removes the config files; safe to call twice. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function launch(command: string, args: readonly string[], ready: string): Promise<ChildProcess> {
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
      reject(err.code === 'ENOENT' ? new Error(`${command} is not installed (apt-get install ${command}): the Sentinel tests need it`) : err);
    });
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}: ${output.slice(-500)}`)));
  });
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGKILL');
  await exited;
}

async function sentinelCommand(port: number, command: string[]): Promise<unknown> {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 1000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand(command);
  } finally {
    client.destroy();
  }
}

/**
 * Starts the primary, its replica and three sentinels, and waits until the sentinels know each other and the replica,
 * and the replica has finished its first sync.
 */
export async function startRedisSentinel(): Promise<RedisSentinelHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-sentinel-'));
  const children = new Map<number, ChildProcess>();
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  const primary = await freePort();
  const replica = await freePort();
  const sentinels = [await freePort(), await freePort(), await freePort()];
  // No 5-second wait before a replica's first full sync (Redis 7's default for diskless sync): a test must not start
  // writing while the replica is still empty.
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync-delay', '0'];
  try {
    children.set(primary, await launch('redis-server', ['--port', String(primary), ...common], 'Ready to accept connections'));
    children.set(
      replica,
      await launch('redis-server', ['--port', String(replica), ...common, '--replicaof', '127.0.0.1', String(primary)], 'Ready to accept connections'),
    );
    for (const port of sentinels) {
      // A sentinel rewrites its config file (what it learned), so each gets its own, writable one.
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          '',
        ].join('\n'),
      );
      children.set(port, await launch('redis-sentinel', [conf], '+monitor master'));
    }
    // A failover needs a majority of sentinels that know each other, and a replica they know of.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const views = await Promise.all(
        sentinels.map(async (port) => {
          const peers = await sentinelCommand(port, ['SENTINEL', 'SENTINELS', SENTINEL_NAME]);
          const replicas = await sentinelCommand(port, ['SENTINEL', 'REPLICAS', SENTINEL_NAME]);
          return Array.isArray(peers) && peers.length === 2 && Array.isArray(replicas) && replicas.length === 1;
        }),
      );
      const link = String(await sentinelCommand(replica, ['INFO', 'replication']));
      if (views.every(Boolean) && link.includes('master_link_status:up')) break;
      if (Date.now() > deadline) throw new Error('the sentinels did not discover each other and the replica');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sentinelPorts: sentinels,
    dataPorts: [primary, replica],
    async primaryPort() {
      for (const port of sentinels) {
        try {
          const reply = await sentinelCommand(port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME]);
          if (Array.isArray(reply)) return Number(String(reply[1]));
        } catch {
          // ask the next sentinel
        }
      }
      throw new Error('no sentinel answered');
    },
    async kill(port) {
      const child = children.get(port);
      if (child === undefined) throw new Error(`no data node on ${port}`);
      await killChild(child);
    },
    stop,
  };
}

/** A Sentinel client as an app would configure it: it asks the sentinels for the primary and follows a failover. */
export async function connectSentinel(handle: RedisSentinelHandle) {
  const client = createSentinel({
    name: SENTINEL_NAME,
    sentinelRootNodes: handle.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    nodeClientOptions: {
      disableOfflineQueue: true,
      socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
    },
  });
  // Errors are expected while a test has the primary down; an unhandled 'error' event would crash the run.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
