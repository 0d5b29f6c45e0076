// Placeholder until the LLM adapter lands (owned by the LLM work; replace freely).
import type { Logger } from 'pino';
import type { SidecarConfig } from '../config.js';
import { SidecarError } from '../errors.js';
import type { LlmProvider } from './llm-client.js';
import type { RunLlmAgent } from '../runtime/run-executor.js';

export function createLlmProvider(_config: SidecarConfig, _log: Logger): LlmProvider {
  const descriptor = { kind: 'none' as const, model: null, base_url: null };
  return {
    descriptor,
    forRun: () => ({
      provider: descriptor,
      chat: async () => {
        throw new SidecarError('upstream_error', 'no model is configured');
      },
    }),
  };
}

export const runLlmAgent: RunLlmAgent = async () => {
  throw new SidecarError('agent_error', 'LLM agents are not available in this build');
};
