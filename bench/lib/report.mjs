// What every benchmark group shares: the rounds, the token, and the rows of
// the results table (`record` a measured figure, `note` one that could not be).
import { startServer } from './processes.mjs';
import { summary } from './measure.mjs';

export const ROUNDS = Number(process.env.SQUIRE_BENCH_ROUNDS ?? 3);
export const TOKEN = 'bench-token-0123456789abcdef';
export const rows = [];
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** A row that could not be measured on this machine, with the reason. */
export function note(group, metric, reason) {
  rows.push({ group, metric, note: reason });
  console.log(`${group} | ${metric}: not measured: ${reason}`);
}

export function record(group, metric, unit, subjectRounds, floorRounds, target, better) {
  const subject = summary(subjectRounds);
  const floor = floorRounds ? summary(floorRounds) : undefined;
  const ratio = floor ? subject.median / floor.median : undefined;
  const judged = target?.absolute ? subject.median : (ratio ?? subject.median);
  const met = target === undefined ? undefined : better === 'lower' ? judged <= target.value : judged >= target.value;
  const row = { group, metric, unit, subject, floor, ratio, target: target?.label, met };
  rows.push(row);
  console.log(
    `${group} | ${metric}: ${fmt(subject.median, 1)} ${unit} (min ${fmt(subject.min, 1)}, max ${fmt(subject.max, 1)})` +
      (floor ? ` | floor ${fmt(floor.median, 1)} | ratio ${fmt(ratio, 2)}x` : '') +
      (target ? ` | target ${target.label}: ${met ? 'met' : 'MISSED'}` : ''),
  );
}

export async function withServer(args, options, fn) {
  const server = await startServer(args, options);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
