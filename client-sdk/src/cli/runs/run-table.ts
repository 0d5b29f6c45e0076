/**
 * @module
 * `squire runs list` on a terminal: one aligned row per run. Pure.
 */
import type { RunRecord } from '../../contract/index.js';

const COLUMNS = ['RUN ID', 'STATUS', 'ATTEMPT', 'CREATED', 'FINISHED'] as const;

export function runTable(runs: readonly RunRecord[]): string {
  const rows = runs.map((run) => [run.run_id, run.status, `${run.attempt}/${run.max_attempts}`, run.created_at, run.finished_at ?? '-']);
  const widths = COLUMNS.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return `${[line(COLUMNS), ...rows.map(line)].join('\n')}\n`;
}
