// Floor for memory: a process that loads the sidecar's dependencies and
// listens with a bare Hono app, but does none of the sidecar's work.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import 'pino';
import 'zod';
import 'prom-client';
import 'undici';
import 'better-sqlite3';
import 'openai';

const app = new Hono();
app.get('/readyz', (c) => c.json({ status: 'ready' }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
server.on('listening', () => process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${server.address().port}` })}\n`));
process.on('SIGTERM', () => process.exit(0));
