#!/usr/bin/env node
/**
 * @module
 * The container HEALTHCHECK: asks the sidecar's own `/healthz` over the same
 * port or socket it serves (read from the same environment), exits 0 or 1.
 * Plain node:http, so the image needs no curl.
 */
import { request } from 'node:http';

const socketPath = process.env.SQUIRE_SOCKET || undefined;
const healthPort = process.env.SQUIRE_HEALTH_PORT || undefined;
const port = Number(healthPort ?? process.env.SQUIRE_PORT ?? 7700);
const host = healthPort ? '127.0.0.1' : (process.env.SQUIRE_HOST ?? '127.0.0.1').replace(/^0\.0\.0\.0$|^::$/, '127.0.0.1');

const req = request(
  { ...(socketPath && !healthPort ? { socketPath } : { host, port }), path: '/healthz', method: 'GET', timeout: 3000, headers: { host: 'localhost' } },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
req.end();
