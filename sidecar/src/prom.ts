/**
 * @module
 * The four prom-client classes the sidecar uses, required from their own
 * files rather than through the package's index. The index also loads the
 * default collectors (and with them `@opentelemetry/api`, ~50 modules),
 * `cluster`, the Pushgateway's HTTP clients and the Summary's t-digest: about
 * 90 modules that every start-up compiled and kept in memory for nothing.
 * These are the same module instances the index would hand out, so a
 * `Registry` from `prom-client` and one from here are one class.
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';

const require = createRequire(import.meta.url);

export const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;
export const Gauge = require('prom-client/lib/gauge') as typeof PromClient.Gauge;
export const Histogram = require('prom-client/lib/histogram') as typeof PromClient.Histogram;
export const Registry = require('prom-client/lib/registry') as typeof PromClient.Registry;
export type Counter<T extends string = string> = PromClient.Counter<T>;
export type Gauge<T extends string = string> = PromClient.Gauge<T>;
export type Histogram<T extends string = string> = PromClient.Histogram<T>;
export type Registry = PromClient.Registry;
