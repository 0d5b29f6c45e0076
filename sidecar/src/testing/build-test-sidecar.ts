/**
 * @module
 * Builds a whole in-process sidecar (every internal dependency exposed) for
 * the sidecar's own unit tests. Not reachable through the package's exports:
 * its declarations name internals (the stores and their drivers) that a
 * published type must never pull into an agent author's compilation.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { createSidecar, type Sidecar } from '../sidecar.js';
import type { AgentDefinition } from '../agent/define-agent.js';
import type { TestSidecarOptions } from './test-sidecar-options.js';

/** A ready sidecar around `agent`, with a silent logger and the config defaults. */
export function buildTestSidecar(agent: AgentDefinition, options: TestSidecarOptions = {}): Sidecar {
  // A fresh data dir per sidecar, so in-process tests never share state.
  const dataDir = mkdtempSync(join(tmpdir(), 'squire-test-'));
  const loaded = loadConfig(['--agent', '(in-process)', '--data-dir', dataDir, ...(options.args ?? [])], options.env ?? {});
  if (!loaded.ok) throw new Error(`invalid test config: ${loaded.problems.join('; ')}`);
  const log = pino({ level: 'silent' });
  const sidecar = createSidecar({ config: loaded.config, agent, log, ...(options.llm && { llm: options.llm }) });
  // Runs submitted before the start finished wait in the store until it has.
  sidecar.runs.start().catch((error: unknown) => log.error({ err: error }, 'cannot start background runs'));
  sidecar.lifecycle.markReady();
  return sidecar;
}
