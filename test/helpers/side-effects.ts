/**
 * The side-effect log of `test/fixtures/agents/counting.ts`: one line per
 * execution, the run id first. How often each run executed is what the
 * crash tests count (none lost, none recorded twice).
 */
import { existsSync, readFileSync } from 'node:fs';

/** Executions per run id; empty while the agent has written nothing. */
export function sideEffectsByRun(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const runId = line.split(' ')[0]!;
    counts.set(runId, (counts.get(runId) ?? 0) + 1);
  }
  return counts;
}
