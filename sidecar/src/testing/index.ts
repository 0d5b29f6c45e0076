/**
 * @module
 * Test helpers for agent authors and for our own tests: a sidecar built
 * in-process around an agent definition, driven with `app.request()` — no
 * port, no process. Like `hono/testing`, shipped as `@squire/sidecar/testing`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';

export { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions, type ScriptedReply, type RecordedChatRequest } from './openai-test-server.js';
import { loadConfig } from '../config.js';
import { createSidecar, type Sidecar } from '../sidecar.js';
import type { AgentDefinition } from '../agent/define-agent.js';
import type { LlmProvider } from '../llm/llm-client.js';

export interface TestSidecarOptions {
  /** Flags as on the command line, e.g. `['--slots', '1']`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  llm?: LlmProvider;
}

/** A ready sidecar app around `agent`, with a silent logger and the config defaults. */
export function createTestSidecar(agent: AgentDefinition, options: TestSidecarOptions = {}): Sidecar {
  // A fresh data dir per sidecar, so in-process tests never share state.
  const dataDir = mkdtempSync(join(tmpdir(), 'squire-test-'));
  const loaded = loadConfig(['--agent', '(in-process)', '--data-dir', dataDir, ...(options.args ?? [])], options.env ?? {});
  if (!loaded.ok) throw new Error(`invalid test config: ${loaded.problems.join('; ')}`);
  const sidecar = createSidecar({ config: loaded.config, agent, log: pino({ level: 'silent' }), ...(options.llm && { llm: options.llm }) });
  sidecar.runs.start();
  sidecar.lifecycle.markReady();
  return sidecar;
}

/** POSTs an invoke to an in-process sidecar. */
export function invokeInProcess(sidecar: Sidecar, input: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    sidecar.app.request('/v1/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ input }),
    }),
  );
}
