/**
 * @module
 * Options of an in-process test sidecar, apart from the builder so the public
 * `@squire/sidecar/testing` declarations can name them without naming the
 * sidecar's internals.
 */
import type { LlmProvider } from '../llm/llm-client.js';

export interface TestSidecarOptions {
  /** Flags as on the command line, e.g. `['--slots', '1']`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Replaces the model provider the configuration selects. */
  llm?: LlmProvider;
}
