// What bench/distributed-load.ts and its instance processes (bench/distributed-load-worker.ts) share.

export type Topology = 'single' | 'cluster';
export type Library = 'msal-ts' | 'msal-node';
export type Operation = 'hit' | 'write';

/** The worker's configuration, in argv[2] as JSON. */
export interface WorkerSetup {
  readonly singleUrl: string;
  readonly clusterUrls: readonly string[];
  readonly clientId: string;
  readonly hitTenants: readonly string[];
  readonly writeTenants: readonly string[];
}

/** One job: `count` calls, `inFlight` at a time. */
export interface Job {
  readonly id: number;
  readonly topology: Topology;
  readonly library: Library;
  readonly operation: Operation;
  readonly count: number;
  readonly inFlight: number;
  readonly seed: number;
}

/** The answer: nanoseconds per call, and the run's start and end on the machine's monotonic clock. */
export interface JobResult {
  readonly id: number;
  readonly latencies: number[];
  readonly startNs: string;
  readonly endNs: string;
}

export const SCOPES = ['https://graph.microsoft.com/.default'];
export const ENV = 'login.microsoftonline.com';

/** The key msal-node's docs suggest for a multi-tenant daemon: `<clientId>.<tenantId>`. */
export function msalNodeKey(id: string, tenant: string): string {
  return `msalnode:${id}.${tenant}`;
}
