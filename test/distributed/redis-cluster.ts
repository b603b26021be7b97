// Starts a real Redis Cluster on loopback for the distributed cache tests: six Debian redis-server processes in
// cluster mode (three primaries, three replicas, joined by `redis-cli --cluster create`), no persistence, a short
// node timeout so a replica takes over a killed primary within seconds. Stopped by PID. A missing redis-server or
// redis-cli fails the suite: never skipped.
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient, createCluster } from '@redis/client';
import { killChild, launchUntilReady } from './redis-server.js';

const run = promisify(execFile);

/** What `CLUSTER NODES` says of one node. */
export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly primary: boolean;
  /** Slot ranges served (primaries only), inclusive. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
}

/** A running local cluster. */
export interface RedisClusterHandle {
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:<port>` of every node, for `rootNodes`. */
  readonly urls: readonly string[];
  /** The cluster's current view of its nodes, asked of a live node. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** The port of the primary serving `slot` now. */
  primaryOf(slot: number): Promise<number>;
  /** The slot of each key, as the server computes it (one connection for all). */
  keySlots(keys: readonly string[]): Promise<number[]>;
  /** SIGKILLs one node and waits for the process to exit. */
  kill(port: number): Promise<void>;
  /** Waits until every live node reports `cluster_state:ok` and one primary per slot range is alive. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Runs `redis-cli --cluster <args...>` against a live node. */
  cli(...args: string[]): Promise<string>;
  /** Stops every node (by PID) and removes the node config files; safe to call twice. */
  stop(): Promise<void>;
}

async function canBind(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 25000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await canBind(port)) && (await canBind(port + 10000))) {
      taken.add(port).add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '1000',
    // No 5-second wait before a replica's first full sync (Redis 7's default for diskless sync).
    '--repl-diskless-sync-delay',
    '0',
  ];
  return launchUntilReady('redis-server', args, 'Ready to accept connections', 'the cluster tests');
}

/** Sends each command to one node over one short-lived connection; the replies as text. */
async function askAll(port: number, commands: readonly string[][]): Promise<string[]> {
  // A generous connect timeout: on a loaded 2-core machine a loopback connect can take over a second.
  const client = createClient({ url: `redis://127.0.0.1:${port}`, socket: { reconnectStrategy: false, connectTimeout: 10_000 } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const replies = await Promise.all(commands.map((command) => client.sendCommand(command)));
    return replies.map((reply) =>
      typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString() : typeof reply === 'number' ? String(reply) : JSON.stringify(reply),
    );
  } finally {
    client.destroy();
  }
}

async function ask(port: number, ...command: string[]): Promise<string> {
  const [reply] = await askAll(port, [command]);
  return reply ?? '';
}

function parseNodes(text: string): ClusterNodeInfo[] {
  const out: ClusterNodeInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    const [id, address, flags] = f;
    if (id === undefined || address === undefined || flags === undefined) continue;
    if (flags.includes('fail') || flags.includes('noaddr')) continue;
    const port = Number(address.split('@')[0]?.split(':')[1]);
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // a slot being migrated or imported
      const [from, to] = s.split('-');
      slots.push([Number(from), Number(to ?? from)]);
    }
    out.push({ id, port, primary: flags.includes('master'), slots });
  }
  return out;
}

/** Starts three primaries and three replicas and joins them into one cluster. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'msal-ts-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await clusterPort(taken));
  const children = new Map<number, ChildProcess>();
  const dead = new Set<number>();
  const live = (): number[] => ports.filter((p) => !dead.has(p));
  const stop = async (): Promise<void> => {
    await Promise.all([...children.values()].map(killChild));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.set(port, await launch(port, dir));
  } catch (err) {
    await stop();
    throw err;
  }

  const handle: RedisClusterHandle = {
    ports,
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    async nodes() {
      let last: unknown;
      for (const port of live()) {
        try {
          return parseNodes(await ask(port, 'CLUSTER', 'NODES'));
        } catch (err) {
          last = err;
        }
      }
      throw new Error('no live cluster node answered', { cause: last });
    },
    async primaryOf(slot) {
      const owner = (await handle.nodes()).find((n) => n.primary && n.slots.some(([a, b]) => slot >= a && slot <= b));
      if (owner === undefined) throw new Error(`no primary serves slot ${slot}`);
      return owner.port;
    },
    async keySlots(keys) {
      const [port] = live();
      if (port === undefined) throw new Error('no live node');
      return (
        await askAll(
          port,
          keys.map((key) => ['CLUSTER', 'KEYSLOT', key]),
        )
      ).map(Number);
    },
    async kill(port) {
      const child = children.get(port);
      if (child === undefined) throw new Error(`no node on ${port}`);
      dead.add(port);
      await killChild(child);
    },
    async waitHealthy(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const states = await Promise.all(live().map((p) => ask(p, 'CLUSTER', 'INFO')));
          const nodes = await handle.nodes();
          const covered = nodes.filter((n) => n.primary).reduce((sum, n) => sum + n.slots.reduce((s, [a, b]) => s + b - a + 1, 0), 0);
          // Every replica has finished its sync, so a failover does not promote an empty one.
          const replicas = nodes.filter((n) => !n.primary && live().includes(n.port));
          const links = await Promise.all(replicas.map((n) => ask(n.port, 'INFO', 'replication')));
          const synced = links.every((l) => l.includes('master_link_status:up'));
          if (states.every((s) => s.includes('cluster_state:ok')) && covered === 16384 && synced) return;
          last = `${covered} slots covered; ${states.map((s) => /cluster_state:\w+/.exec(s)?.[0] ?? '?').join(', ')}`;
        } catch (err) {
          last = err; // a node still starting or failing over
        }
        if (Date.now() > deadline) {
          const nodes = await Promise.all(live().map((p) => ask(p, 'CLUSTER', 'NODES').catch(String)));
          throw new Error(`the cluster did not become healthy: ${String(last)}\n${nodes.join('\n')}`, { cause: last });
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async cli(...args) {
      const [port] = live();
      if (port === undefined) throw new Error('no live node');
      try {
        const { stdout } = await run('redis-cli', ['--cluster', ...args.map((a) => (a === '{node}' ? `127.0.0.1:${port}` : a))], {
          timeout: 120_000,
        });
        return stdout;
      } catch (err) {
        if (err instanceof Error && 'code' in err && err.code === 'ENOENT') {
          throw new Error('redis-cli is not installed (apt-get install redis-tools): the cluster tests need it', { cause: err });
        }
        throw err;
      }
    },
    stop,
  };
  try {
    await handle.cli('create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes');
    await handle.waitHealthy();
  } catch (err) {
    await stop();
    throw err;
  }
  return handle;
}

/** A cluster client as an app would configure it: no offline queue, fast reconnects and topology refreshes. */
export async function connectCluster(cluster: RedisClusterHandle) {
  const client = createCluster({
    rootNodes: cluster.urls.map((url) => ({ url })),
    defaults: {
      disableOfflineQueue: true,
      socket: { connectTimeout: 1000, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 500) },
    },
    topologyRefreshOnReconnectionAttemptStrategy: 200,
  });
  // Node errors are expected while a test has a primary down; an unhandled 'error' event would crash the run.
  client.on('error', () => undefined);
  client.on('node-error', () => undefined);
  await client.connect();
  return client;
}
