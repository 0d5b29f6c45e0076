// Run with --expose-gc: memory a client holds per configured, idle endpoint.
import { createClient } from '@squire/client';

const count = 1000;
globalThis.gc();
const before = process.memoryUsage();
const client = createClient({ sidecars: Object.fromEntries(Array.from({ length: count }, (_, i) => [`s${i}`, `http://127.0.0.1:${10_000 + i}`])) });
globalThis.gc();
const after = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ heapKiB: (after.heapUsed - before.heapUsed) / 1024 / count, rssKiB: (after.rss - before.rss) / 1024 / count })}\n`);
await client.destroy();
