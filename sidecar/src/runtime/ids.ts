/**
 * @module
 * Run ids: a millisecond timestamp then randomness, so ids sort by creation
 * time (cursor pagination) and cannot be guessed.
 */
import { randomUUID } from 'node:crypto';

export function newRunId(now = Date.now()): string {
  // randomUUID draws from a cached entropy pool: far cheaper per call than randomBytes.
  const random = randomUUID();
  return `run_${now.toString(36).padStart(9, '0')}${random.slice(0, 8)}${random.slice(9, 13)}${random.slice(15, 18)}${random.slice(19, 23)}`;
}
