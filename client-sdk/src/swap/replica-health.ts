/**
 * @module
 * Which replicas are in rotation, as far as their health goes: a replica
 * that answers 503 `draining` leaves at once (an attempt step sees it), and
 * active `/readyz` checks every `healthCheckIntervalMs` take failing ones
 * out and bring ready ones back. When no replica may take a call, says why.
 */
import { CONTRACT_VERSION } from '../contract/index.js';
import { CircuitOpenError, ConnectionError, type SquireError } from '../errors.js';
import type { AttemptStep } from '../transport/attempt.js';
import type { Endpoint } from '../transport/endpoint.js';

/**
 * Takes a replica that answers `draining` out of rotation at once, for the
 * breaker's cool-down unless an active check finds it ready sooner.
 */
export const replicaHealthStep: AttemptStep = async (attempt, next) => {
  try {
    return await next(attempt);
  } catch (error) {
    if ((error as SquireError).code === 'draining') attempt.endpoint.drainingUntil = Date.now() + attempt.call.config.breakerCooldownMs;
    throw error;
  }
};

export interface ReplicaHealthOptions {
  /** Milliseconds between active checks; 0: none. */
  intervalMs: number;
  /** Runs after each round of checks (e.g. the version pins of new replicas). */
  afterCheck?: () => Promise<void>;
}

const PROBE_TIMEOUT_MS = 2000;

export class ReplicaHealth {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly replicas: () => readonly Endpoint[],
    private readonly options: ReplicaHealthOptions,
  ) {
    if (options.intervalMs > 0) {
      this.timer = setInterval(() => void this.check(), options.intervalMs);
      this.timer.unref();
    }
  }

  /** `/readyz` of every replica; a ready one is back in rotation even if it said draining. */
  async check(): Promise<void> {
    await Promise.all(
      this.replicas().map(async (endpoint) => {
        try {
          const response = await endpoint.pool.request({ path: '/readyz', method: 'GET', headersTimeout: PROBE_TIMEOUT_MS, bodyTimeout: PROBE_TIMEOUT_MS });
          await response.body.text();
          endpoint.ready = response.statusCode === 200;
          if (endpoint.ready) endpoint.drainingUntil = 0;
        } catch {
          endpoint.ready = false;
        }
      }),
    );
    await this.options.afterCheck?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** The error of a call for which no replica is eligible, naming the reason; `cause`: the call's last failure, which may be why. */
export function noReplicaError(sidecar: string, firstUrl: string, replicas: readonly Endpoint[], versionRange: string | undefined, now: number, cause?: SquireError): SquireError {
  const fields = { sidecar, endpoint: firstUrl, cause };
  if (replicas.length === 0) return new ConnectionError(`sidecar "${sidecar}" has no endpoints`, { ...fields, code: 'no_endpoint' });
  if (replicas.every((endpoint) => endpoint.versionOk === false)) {
    const versions = replicas.map((endpoint) => `${endpoint.url}=${endpoint.version ?? '?'}`).join(', ');
    return new ConnectionError(`no endpoint of sidecar "${sidecar}" runs a version in ${versionRange} (contract ${CONTRACT_VERSION}): ${versions}`, { ...fields, code: 'no_matching_endpoint' });
  }
  const waitMs = Math.min(...replicas.map((endpoint) => Math.max(endpoint.breaker.retryInMs(), endpoint.drainingUntil - now, 0)));
  return new CircuitOpenError(`no endpoint of sidecar "${sidecar}" takes calls now (breakers open, draining or not ready)`, { ...fields, retryAfterMs: waitMs });
}
