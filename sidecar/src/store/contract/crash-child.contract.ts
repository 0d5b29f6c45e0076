/**
 * @module
 * The child process of the crash contract: opens a store through the
 * backend's contract module and runs one scenario forever, printing one
 * line per committed step, until the suite kills it with kill -9.
 *
 *   node --import tsx crash-child.contract.ts <module> <location> <scenario>
 *
 * Scenarios: `submit` (submissions, `acked <id>` once each committed),
 * `work` (claim, append an event, finish: `finished <id>`), `claim-one`
 * (`claimed <id> <attempt>`, then nothing more).
 */
import { pathToFileURL } from 'node:url';
import type { Store } from '../store.js';
import { event, newRun } from './fixtures.contract.js';

const [modulePath, location, scenario] = process.argv.slice(2);
const { openContractStore } = (await import(pathToFileURL(modulePath!).href)) as { openContractStore(location: string): Promise<Store> };
const store = await openContractStore(location!);
const say = (line: string) => process.stdout.write(`${line}\n`);
// Stay alive until killed.
setInterval(() => undefined, 1 << 30);

if (scenario === 'submit') {
  for (;;) {
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        const run = newRun();
        await store.runs.submit(run);
        say(`acked ${run.id}`);
      }),
    );
  }
} else if (scenario === 'work') {
  say('ready');
  for (;;) {
    const claimed = await store.runs.claimNext(Date.now(), 60_000, 8);
    if (claimed.length === 0) {
      say('idle');
      break;
    }
    await Promise.all(
      claimed.map(async (run) => {
        const seq = run.started.seq;
        await store.events.append(run.lease, [event(run.lease.runId, seq + 1)]);
        await store.runs.finish(run.lease, { status: 'succeeded', output: '{"done":true}' }, event(run.lease.runId, seq + 2, 'run.completed'), Date.now());
        say(`finished ${run.lease.runId}`);
      }),
    );
  }
} else if (scenario === 'claim-one') {
  const [run] = await store.runs.claimNext(Date.now(), 60_000, 1);
  say(`claimed ${run?.lease.runId} ${run?.lease.attempt}`);
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
