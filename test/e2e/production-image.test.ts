/**
 * No Docker engine runs here, so this test does what the image's build does:
 * a production-only install of the sidecar (`pnpm deploy --prod`, as in the
 * Dockerfile's build stage) trimmed by the same scripts/prune-image.mjs, the
 * example agents copied beside it, and the image's entry command
 * (`node dist/main.js`, configured by environment only) — then health, the
 * HEALTHCHECK script, invoke, SIGTERM exit 0; and an agent project with a
 * dependency of its own, installed the way its Dockerfile (`squire create`)
 * installs it, running on that image.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';
import { npm, packedProject, type PackedProject } from '../helpers/packed-project.js';
import { http, invoke } from '../helpers/http.js';

const stripsTypes = Boolean((process.features as { typescript?: unknown }).typescript);
let appDir: string;
let sidecar: RunningSidecar;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'squire-image-'));
  appDir = join(root, 'app');
  execFileSync('npx', ['-y', 'pnpm@10', '--filter', '@squire/sidecar', 'deploy', '--prod', '--legacy', appDir], {
    cwd: REPO_ROOT,
    stdio: 'pipe',
    timeout: 600_000, // compiles better-sqlite3 when the store has no build for this Node yet
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
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/prune-image.mjs'), appDir], { stdio: 'pipe' });
  cpSync(join(REPO_ROOT, 'examples/agents/src'), join(appDir, 'agents'), { recursive: true });
  sidecar = await startSidecar({
    agent: join(appDir, 'agents/echo.ts'),
    bin: join(appDir, 'dist/main.js'),
    cwd: appDir,
    env: { NODE_ENV: 'production' },
  });
}, 900_000);

afterAll(async () => {
  await stopAllSidecars();
  if (appDir) rmSync(join(appDir, '..'), { recursive: true, force: true });
});

/** Every file under a directory, relative to it (symbolic links not followed). */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix)).flatMap((entry) => {
    const path = join(prefix, entry);
    const stat = lstatSync(join(dir, path));
    if (stat.isDirectory()) return filesUnder(dir, path);
    return stat.isFile() ? [path] : [];
  });
}

/** Symbolic links under node_modules that lead out of the app (none may: the image has nothing else). */
function linksOut(app: string): string[] {
  const root = realpathSync(app);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) {
        const target = existsSync(path) ? realpathSync(path) : '(dangling)';
        return target === root || target.startsWith(`${root}/`) ? [] : [`${relative(app, path)} → ${target}`];
      }
      return stat.isDirectory() ? walk(path) : [];
    });
  return walk(join(app, 'node_modules'));
}

describe('the production install the image runs', () => {
  it('holds production dependencies only, without build leftovers or install-time tools', () => {
    const modules = readdirSync(join(appDir, 'node_modules'));
    expect(modules).toContain('better-sqlite3');
    for (const devOnly of ['vitest', 'typescript', 'eslint', '@types']) expect(modules).not.toContain(devOnly);
    expect(existsSync(join(appDir, 'src'))).toBe(false);
    const store = readdirSync(join(appDir, 'node_modules/.pnpm'));
    expect(store.filter((entry) => /^(prebuild-install|node-abi|tar-fs|simple-get)@/.test(entry))).toEqual([]);
    // With Node's own type stripping (the image's Node 24), tsx and esbuild are not needed.
    expect(store.some((entry) => /^(tsx|esbuild|@esbuild\+)/.test(entry))).toBe(!stripsTypes);
    const sqlite = store.find((entry) => entry.startsWith('better-sqlite3@'))!;
    const sqliteFiles = filesUnder(join(appDir, 'node_modules/.pnpm', sqlite, 'node_modules/better-sqlite3'));
    expect(sqliteFiles.filter((file) => file.startsWith('build/'))).toEqual(['build/Release/better_sqlite3.node']);
    expect(sqliteFiles.filter((file) => /^(deps|src)\/|\.(c|cpp|h|o|a|gyp)$/.test(file))).toEqual([]);
    expect(filesUnder(join(appDir, 'node_modules/.pnpm')).filter((file) => /\.(d\.[cm]?ts|[cm]?ts|map)$/.test(file))).toEqual([]);
    expect(linksOut(appDir)).toEqual([]);
    expect(realpathSync(join(appDir, 'node_modules/@squire/sidecar'))).toBe(realpathSync(appDir));
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

  it.runIf(stripsTypes)('refuses, naming the way out, an agent whose TypeScript Node cannot strip', async () => {
    const agent = join(appDir, 'agents/with-enum.ts');
    writeFileSync(agent, `import { defineAgent } from '@squire/sidecar';\nimport { z } from 'zod';\nenum Mood { Calm }\nexport default defineAgent({ name: 'enum', version: '1.0.0', input: z.object({}), output: z.object({ mood: z.number() }), run: () => ({ mood: Mood.Calm }) });\n`);
    const run = spawnSync(process.execPath, [join(appDir, 'dist/main.js'), '--agent', agent, '--port', '0', '--data-dir', join(appDir, '..', 'enum-data')], { cwd: appDir, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('tsx is not installed here: keep to erasable syntax');
  });
});

describe('an agent project with dependencies of its own, on the image', () => {
  let packed: PackedProject;
  let agentProject: string;
  let agent: RunningSidecar;

  beforeAll(async () => {
    packed = await packedProject();
    // The user's project (beside the packed one, so its file: specs still resolve)
    // with one more dependency, installed as its Dockerfile's deps stage does.
    agentProject = mkdtempSync(join(packed.root, 'image-agent-'));
    for (const file of ['package.json', 'package-lock.json', 'src']) cpSync(join(packed.project, file), join(agentProject, file), { recursive: true });
    const source = join(agentProject, 'src/agent.ts');
    writeFileSync(source, `import ms from 'ms';\n${readFileSync(source, 'utf8').replace('`Hello, ${input.name}!`', '`Hello, ${input.name}! (in ${ms(90_000, { long: true })})`')}`);
    npm(['install', 'ms@2.1.3', '--omit=dev', '--omit=peer'], agentProject);
    rmSync(join(agentProject, 'node_modules'), { recursive: true, force: true });
    npm(['ci', '--omit=dev', '--omit=peer'], agentProject); // the Dockerfile's command
    const inImage = join(appDir, 'agents/demo-agent');
    for (const file of ['node_modules', 'package.json', 'src']) cpSync(join(agentProject, file), join(inImage, file), { recursive: true, verbatimSymlinks: true });
    agent = await startSidecar({ agent: join(inImage, 'src/agent.ts'), bin: join(appDir, 'dist/main.js'), cwd: appDir, env: { NODE_ENV: 'production' } });
  }, 900_000);

  afterAll(async () => {
    await stopAllSidecars();
    if (agentProject) rmSync(agentProject, { recursive: true, force: true });
  });

  it('installs only its own dependencies: @squire/sidecar and zod are the image’s', () => {
    const installed = readdirSync(join(appDir, 'agents/demo-agent/node_modules')).filter((name) => !name.startsWith('.'));
    expect(installed).toEqual(['ms']);
  });

  it('runs on the image, with its dependency', async () => {
    const response = await invoke(agent.url, { name: 'Ada' });
    expect(response.status).toBe(200);
    expect(response.json.output).toEqual({ greeting: 'Hello, Ada! (in 2 minutes)' });
  });
});
