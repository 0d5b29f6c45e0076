// How much later a run's events reach a follower on a replica that does not
// execute the run than a follower on the replica that does. Both followers
// are this process's, so one clock measures both: the executing replica's
// follower is woken by its own commit, the others by PostgreSQL's
// LISTEN/NOTIFY, so the difference is what following through another
// replica adds (on one SQLite sidecar there is no other replica: 0).
import { quantile } from './measure.mjs';

/** Arrival time (performance.now()) of each event id on one SSE stream, until the stream ends. */
async function arrivals(pool, runId) {
  const response = await pool.request({ path: `/v1/runs/${runId}/events`, method: 'GET', headers: { accept: 'text/event-stream' } });
  if (response.statusCode !== 200) throw new Error(`events of ${runId}: HTTP ${response.statusCode} ${await response.body.text()}`);
  const connectedAt = performance.now();
  const seen = new Map();
  let buffer = '';
  for await (const chunk of response.body) {
    const now = performance.now();
    buffer += chunk.toString();
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const id = /^id: ?(\d+)$/m.exec(buffer.slice(0, end))?.[1];
      if (id !== undefined && !seen.has(Number(id))) seen.set(Number(id), now);
      buffer = buffer.slice(end + 2);
    }
  }
  return { connectedAt, seen };
}

/**
 * Submits one run that emits `steps` events over `ms` milliseconds through
 * `pools[0]`, follows it on every pool, and returns for each event and each
 * replica that did not execute it the delay behind the replica that did (ms).
 */
export async function followDelays(pools, { ms, steps }) {
  const submitted = await pools[0].request({ path: '/v1/runs', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: { ms, steps } }) });
  const { run_id: runId } = await submitted.body.json();
  if (submitted.statusCode !== 202 || !runId) throw new Error(`submit: HTTP ${submitted.statusCode}`);
  const followed = await Promise.all(pools.map((pool) => arrivals(pool, runId)));
  const streams = followed.map((stream) => stream.seen);
  // Only events committed once every follower was live: earlier ones are replayed, not followed.
  const live = Math.max(...followed.map((stream) => stream.connectedAt)) + 5;
  const ids = [...streams[0].keys()].filter((id) => streams.every((stream) => stream.has(id) && stream.get(id) > live));
  // The executing replica is the one whose follower sees the events first: its commits wake it directly.
  const lateness = streams.map((stream) => quantile(ids.map((id) => stream.get(id) - Math.min(...streams.map((s) => s.get(id)))).sort((a, b) => a - b), 0.5));
  const executor = lateness.indexOf(Math.min(...lateness));
  const delays = [];
  for (const id of ids) for (const [i, stream] of streams.entries()) if (i !== executor) delays.push(stream.get(id) - streams[executor].get(id));
  return delays;
}
