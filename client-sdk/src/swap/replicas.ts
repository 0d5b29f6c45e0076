/**
 * @module
 * The replica lists a swap moves traffic between: the replicas other than
 * one URL, and that list with one more replica weighted to take a share.
 */
import { weightForShare } from '../balancing/weights.js';
import type { EndpointSpec } from '../options.js';
import type { Endpoint } from '../transport/endpoint.js';

export interface Replicas {
  specs: EndpointSpec[];
  /** Their weights added up. */
  weight: number;
}

export function replicasOtherThan(replicas: readonly Endpoint[], url: string): Replicas {
  const specs = replicas.filter((replica) => replica.url !== url).map((replica) => ({ url: replica.url, weight: replica.weight }));
  return { specs, weight: specs.reduce((sum, replica) => sum + replica.weight, 0) };
}

/** `others` plus `url` weighted to take `share` (0 < share < 1) of the traffic. */
export function withShare(others: Replicas, url: string, share: number): EndpointSpec[] {
  return [...others.specs, { url, weight: weightForShare(others.weight, share) }];
}
