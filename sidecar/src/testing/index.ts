/**
 * @module
 * Test helpers for agent authors: a sidecar built in-process around an agent
 * definition, driven with `app.request()` — no port, no process. Like
 * `hono/testing`, shipped as `@squire/sidecar/testing`. Its types name only
 * what a test needs, so an agent project compiles against them with nothing
 * but this package's own dependencies installed.
 */
import type { AgentDescriptor } from '@squire/client/contract';
import type { AgentDefinition } from '../agent/define-agent.js';
import { buildTestSidecar } from './build-test-sidecar.js';
import type { TestSidecarOptions } from './test-sidecar-options.js';

export { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions, type ScriptedReply, type RecordedChatRequest } from './openai-test-server.js';
export type { TestSidecarOptions } from './test-sidecar-options.js';

/** An in-process sidecar: its Hono app, its descriptor, and what it holds open. */
export interface TestSidecar {
  /**
   * The sidecar's HTTP app (Hono's `app.request`): any route, no socket.
   * @example await sidecar.app.request('/v1/agent')
   */
  readonly app: { request(input: string | URL | Request, init?: RequestInit): Response | Promise<Response> };
  /** What `GET /v1/agent` serves. */
  readonly descriptor: AgentDescriptor;
  /** Closes the sidecar's databases and model client; call it when the test ends. */
  close(): Promise<void>;
}

/** A ready sidecar app around `agent`, with a silent logger, a fresh temp data dir and the config defaults. */
export function createTestSidecar(agent: AgentDefinition, options: TestSidecarOptions = {}): TestSidecar {
  return buildTestSidecar(agent, options);
}

/** POSTs an invoke to an in-process sidecar. */
export function invokeInProcess(sidecar: TestSidecar, input: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(
    sidecar.app.request('/v1/invoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ input }),
    }),
  );
}
