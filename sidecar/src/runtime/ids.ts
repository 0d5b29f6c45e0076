/**
 * @module
 * Run ids: a millisecond timestamp then randomness, so ids sort by creation
 * time (cursor pagination) and cannot be guessed.
 */
import { randomBytes } from 'node:crypto';

export function newRunId(now = Date.now()): string {
  return `run_${now.toString(36).padStart(9, '0')}${randomBytes(10).toString('hex')}`;
}
