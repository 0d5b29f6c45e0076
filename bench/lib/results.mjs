// The results table: one markdown row per figure, written to
// bench/results/latest.md and, after a full run, into the README between
// its markers, so the README's table is always one command's output.
import { readFileSync, writeFileSync } from 'node:fs';

export const TABLE_START = '<!-- bench-table:start -->';
export const TABLE_END = '<!-- bench-table:end -->';

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function resultsTable(rows, { machine, rounds, elapsedMs, command = 'npx -y pnpm@10 bench' }) {
  return [
    `Machine: ${machine}. Date: ${new Date().toISOString().slice(0, 10)}. Command: \`${command}\` (${rounds} rounds, ${(elapsedMs / 1000).toFixed(0)} s).`,
    '',
    '| benchmark | metric | Squire (median, min–max) | floor (median) | ratio | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) =>
      row.subject
        ? `| ${row.group} | ${row.metric} | ${fmt(row.subject.median, 1)} ${row.unit} (${fmt(row.subject.min, 1)}–${fmt(row.subject.max, 1)}) | ${row.floor ? `${fmt(row.floor.median, 1)} ${row.unit}` : '—'} | ${row.ratio !== undefined ? `${fmt(row.ratio, 2)}x` : '—'} | ${row.target ?? '—'} | ${row.met === undefined ? '—' : row.met ? 'yes' : '**no**'} |`
        : `| ${row.group} | ${row.metric} | not measured: ${row.note} | — | — | — | — |`,
    ),
  ].join('\n');
}

/** Puts `table` between the README's markers; false (and the file untouched) when it has none. */
export function replaceReadmeTable(path, table) {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) return false;
  writeFileSync(path, `${text.slice(0, start + TABLE_START.length)}\n${table}\n${text.slice(end)}`);
  return true;
}
