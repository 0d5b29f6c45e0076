/**
 * @module
 * Version pinning: with a semver range configured, a replica takes calls
 * only once its descriptor (`GET /v1/agent`) says it runs a version in the
 * range, so a rollout never sends a call to the wrong version.
 */
import semver from 'semver';
import { AgentDescriptorSchema } from '../contract/index.js';
import type { CancelSource } from '../internal/cancel.js';
import type { Logger } from '../logger.js';
import type { Endpoint } from '../transport/endpoint.js';

const DESCRIPTOR_TIMEOUT_MS = 2000;

export class VersionPins {
  constructor(
    private readonly sidecar: string,
    readonly range: string,
    private readonly authorization: string | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  /** Reads the descriptor of the replicas not checked yet; a replica that cannot be reached stays unchecked (and out of rotation). */
  async check(replicas: readonly Endpoint[], cancel: CancelSource | undefined): Promise<void> {
    const unchecked = replicas.filter((endpoint) => endpoint.versionOk === undefined);
    if (unchecked.length === 0) return;
    await Promise.all(unchecked.map((endpoint) => this.checkOne(endpoint, cancel)));
  }

  private async checkOne(endpoint: Endpoint, cancel: CancelSource | undefined): Promise<void> {
    try {
      const response = await endpoint.pool.request({
        path: '/v1/agent',
        method: 'GET',
        headers: this.authorization ? { authorization: this.authorization } : {},
        signal: cancel ?? null,
        headersTimeout: DESCRIPTOR_TIMEOUT_MS,
        bodyTimeout: DESCRIPTOR_TIMEOUT_MS,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) return;
      const descriptor = AgentDescriptorSchema.safeParse(JSON.parse(text));
      if (!descriptor.success) {
        endpoint.versionOk = false;
        return;
      }
      endpoint.version = descriptor.data.version;
      endpoint.versionOk = semver.satisfies(descriptor.data.version, this.range, { includePrerelease: true });
      if (!endpoint.versionOk) {
        this.logger?.warn({ sidecar: this.sidecar, endpoint: endpoint.url, version: endpoint.version, range: this.range }, 'squire: endpoint version outside the pinned range; not used');
      }
    } catch {
      // Unreachable now: stays unchecked, and unchecked replicas take no calls.
    }
  }
}
