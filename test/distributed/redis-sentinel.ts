// Starts a Sentinel-managed Redis on loopback for the distributed cache tests: one primary, one replica (Debian's
// redis-server) and three sentinels (Debian's redis-sentinel), no persistence, `down-after-milliseconds` 1000 so a
// killed primary is replaced within seconds. Stopped by PID. A missing redis-server or redis-sentinel fails the suite.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, createSentinel } from '@redis/client';
import { freePort, killChild, launchUntilReady } from './redis-server.js';

const SUITE = 'the Sentinel tests';

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
    children.set(primary, await launchUntilReady('redis-server', ['--port', String(primary), ...common], 'Ready to accept connections', SUITE));
    children.set(
      replica,
      await launchUntilReady(
        'redis-server',
        ['--port', String(replica), ...common, '--replicaof', '127.0.0.1', String(primary)],
        'Ready to accept connections',
        SUITE,
      ),
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
      children.set(port, await launchUntilReady('redis-sentinel', [conf], '+monitor master', SUITE));
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
