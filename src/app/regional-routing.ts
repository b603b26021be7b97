/**
 * Where a confidential client's app-only token requests go when it uses an Azure region: the choice made at
 * construction (`azureRegion`, else `MSAL_FORCE_REGION`), the detection done once per application on first need, and
 * the regional token endpoint. Discovery stays on the global authority, as msal-node does (MSAL Python discovers the
 * regional authority again); only the token request moves, and the cache keeps the global host as `environment`, so
 * a regional token is found by the same lookups as a global one.
 */
import type { Authority } from '../authority/authority.js';
import { detectRegion, regionalTokenEndpoint, resolveRegionChoice, type RegionChoice, type RegionEnvironment } from '../authority/region.js';
import type { HttpClient } from '../http/http-client.js';
import type { LogSink } from '../logger.js';
import { untilAborted } from '../util/in-flight.js';

/** A confidential client's region handling. */
export class RegionalRouting {
  readonly #choice: RegionChoice;
  readonly #environment: RegionEnvironment;
  readonly #http: () => HttpClient;
  readonly #log: LogSink;
  /** Detection runs once per application; its outcome (a failure too) is kept, so off Azure only one probe waits. */
  #detected: Promise<string | undefined> | undefined;

  /**
   * @param option - The `azureRegion` option.
   * @param environment - Where `MSAL_FORCE_REGION` and `REGION_NAME` are read.
   * @param http - The transport for the IMDS probe, made on first need.
   * @throws TypeError naming `azureRegion` when it is malformed.
   */
  constructor(option: unknown, environment: RegionEnvironment, http: () => HttpClient, log: LogSink) {
    this.#environment = environment;
    this.#http = http;
    this.#log = log;
    this.#choice = resolveRegionChoice(option, environment, log);
  }

  /** Whether a region may be used at all (so callers skip the work otherwise). */
  get enabled(): boolean {
    return this.#choice.kind !== 'off';
  }

  /**
   * The token endpoint of an app-only request: the regional one when a region is configured or detected and the
   * authority is an Entra one with a host name; otherwise `globalEndpoint`.
   *
   * @throws RequestAbortedError when `signal` aborts while detection runs (detection itself carries on, for the next call).
   */
  async tokenEndpoint(authority: Authority, globalEndpoint: string, signal: AbortSignal | undefined): Promise<string> {
    if (this.#choice.kind === 'off' || authority.kind !== 'aad') return globalEndpoint;
    const region = this.#choice.kind === 'fixed' ? this.#choice.region : await this.#detect(signal);
    if (region === undefined) return globalEndpoint;
    const regional = regionalTokenEndpoint(globalEndpoint, authority.hostWithPort, region);
    if (regional === undefined) {
      this.#log.warning('the authority host has no regional form (an IP address); using the global endpoint', {});
      return globalEndpoint;
    }
    return regional;
  }

  #detect(signal: AbortSignal | undefined): Promise<string | undefined> {
    this.#detected ??= detectRegion({ environment: this.#environment, http: this.#http(), log: this.#log }).then((region) => {
      this.#log.info(region === undefined ? 'no region detected; using the global endpoint' : 'region detected', { region });
      return region;
    });
    return untilAborted(this.#detected, signal, 'aborted by the caller while waiting for the region detection');
  }
}
