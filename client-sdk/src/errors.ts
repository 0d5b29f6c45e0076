/**
 * @module
 * The SDK's errors in one import: the closed code table, the classes and
 * their guards, and the mapping of HTTP answers to them.
 */
export * from './errors/codes.js';
export * from './errors/classes.js';
export { fromResponse } from './errors/from-response.js';
