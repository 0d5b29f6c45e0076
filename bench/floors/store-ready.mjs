// Floor for cold start: a bare Hono app that first does what the sidecar cannot skip
// before `/readyz` may answer 200: load zod (which agents import, so it is shared and
// cannot be bundled) and open a SQLite run store (a locked file and two databases in WAL
// mode, in a fresh temporary directory), then listen.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import 'zod';
import Database from 'better-sqlite3';

const dir = mkdtempSync(join(tmpdir(), 'squire-floor-'));
const lock = new Database(join(dir, 'owner.lock'));
lock.pragma('locking_mode = EXCLUSIVE');
lock.pragma('user_version = 1');
const databases = ['runs.db', 'sessions.db'].map((name) => {
  const db = new Database(join(dir, name));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, body TEXT)');
  return db;
});

const app = new Hono();
app.get('/readyz', (c) => c.json({ status: 'ready' }));
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
server.on('listening', () => process.stdout.write(`${JSON.stringify({ msg: 'listening', address: `http://127.0.0.1:${server.address().port}` })}\n`));
process.on('SIGTERM', () => {
  for (const db of [...databases, lock]) db.close();
  process.exit(0);
});
