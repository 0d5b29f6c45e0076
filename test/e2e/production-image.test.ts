/**
 * No Docker engine runs here, so this test does what the image does: a
 * production-only install of the sidecar (`pnpm deploy --prod`, as in the
 * Dockerfile's build stage) in a temp dir, the example agents copied beside
 * it, and the image's entry command (`node dist/main.js`, configured by
 * environment only) — then health, the HEALTHCHECK script, invoke, and
 * SIGTERM exit 0.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { http, invoke } from '../helpers/http.js';

let appDir: string;
let sidecar: RunningSidecar;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'squire-image-'));
  appDir = join(root, 'app');
  execFileSync('npx', ['-y', 'pnpm@10', '--filter', '@squire/sidecar', 'deploy', '--prod', '--legacy', appDir], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
    timeout: 240_000,
  });
  // pnpm 10's legacy deploy resolves bin links against the package dir, not the
  // workspace root, and so writes stray folders outside the target: remove them.
  const stray = resolve(REPO_ROOT, 'sidecar', relative(REPO_ROOT, appDir));
  if (!stray.startsWith(appDir)) {
    rmSync(dirname(stray), { recursive: true, force: true });
    try {
      rmdirSync(dirname(dirname(stray))); // only if that left it empty
    } catch {
      // not empty, or already gone: leave it
    }
  }
  cpSync(join(REPO_ROOT, 'examples/agents/src'), join(appDir, 'agents'), { recursive: true });
  sidecar = await startSidecar({
    agent: join(appDir, 'agents/echo.ts'),
    bin: join(appDir, 'dist/main.js'),
    cwd: appDir,
    env: { NODE_ENV: 'production' },
  });
}, 300_000);

afterAll(async () => {
  await stopAllSidecars();
  if (appDir) rmSync(join(appDir, '..'), { recursive: true, force: true });
});

describe('the production install the image runs', () => {
  it('holds production dependencies only', () => {
    const modules = readdirSync(join(appDir, 'node_modules'));
    expect(modules).toContain('better-sqlite3');
    for (const devOnly of ['vitest', 'typescript', 'eslint', '@types']) expect(modules).not.toContain(devOnly);
    expect(existsSync(join(appDir, 'src'))).toBe(false);
  });

  it('serves health and invoke from the image entry command', async () => {
    expect((await http(sidecar.url, '/healthz')).status).toBe(200);
    const response = await invoke(sidecar.url, { text: 'from the image' });
    expect(response.json.output).toEqual({ text: 'from the image' });
  });

  it('passes the HEALTHCHECK script', () => {
    const port = new URL(sidecar.url).port;
    const check = spawnSync(process.execPath, [join(appDir, 'dist/healthcheck.js')], { env: { SQUIRE_PORT: port }, timeout: 10_000 });
    expect(check.status).toBe(0);
    const down = spawnSync(process.execPath, [join(appDir, 'dist/healthcheck.js')], { env: { SQUIRE_PORT: '1' }, timeout: 10_000 });
    expect(down.status).toBe(1);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await sidecar.stop('SIGTERM')).toBe(0);
  });
});
