/**
 * @module
 * The Squire wire contract v1 (`squire/1`): zod schemas, inferred types and
 * tables that both the sidecar and the client read. No wire type is declared
 * anywhere else.
 */
export * from './error-codes.js';
export * from './problem.js';
export * from './headers.js';
export * from './invoke.js';
export * from './runs.js';
export * from './events.js';
export * from './sessions.js';
export * from './descriptor.js';
export * from './openapi.js';
