/**
 * @module
 * `@squire/client`: call Squire agent sidecars with deadlines, safe retries and
 * per-sidecar isolation. The wire contract is re-exported here and lives in
 * `@squire/client/contract`.
 */
export * from './contract/index.js';
export { createClient, SquireClient } from './client.js';
export { AgentHandle, type AgentHandleOptions } from './agent-handle.js';
export type { AgentInput, AgentOutput, AgentShape } from './agent-types.js';
export { DEFAULT_CLIENT_OPTIONS, type ClientOptions, type SidecarEntry, type SidecarPolicyOptions, type CallOptions } from './options.js';
export * from './errors.js';
export type { Logger } from './logger.js';
export type { ClientEvents, ClientEventName } from './events.js';
export type { SidecarStats } from './transport/sidecar-channel.js';
export type { BreakerState } from './policies/circuit-breaker.js';
export { RunStream, type RunStreamOptions } from './streaming/run-stream.js';
export { RunHandle, type WaitOptions } from './run-handle.js';
export { SseDecoder, type ServerSentEvent } from './streaming/sse-decoder.js';
export type { CutoverOptions } from './swap/cutover.js';
export type { Rollout, RolloutOptions, RolloutOutcome } from './swap/rollout.js';
export type { ShadowReport } from './swap/shadow.js';
export type { DnsDiscoveryOptions } from './swap/discovery.js';
export { readAppFile, sidecarsFromFile, type AppFile, type AppFileSidecar, type RestartPolicy } from './app-file/app-file.js';
export { agentTypesModule, type AgentTypesModuleOptions } from './typegen/agent-types-module.js';
export type { FanOutBranch, FanOutOptions, FanOutResult, FanOutStrategy, BranchResult, PipelineStep, PipelineResult } from './fan-out.js';
