/**
 * `squire create`: what it writes and refuses, and that its output installs
 * (with the packed packages, plain npm), passes its own test and type-checks
 * as it is. The installed project is the one helpers/packed-project.ts makes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmEnv, packedProject, type PackedProject } from '../helpers/packed-project.js';
import { REPO_ROOT } from '../helpers/spawn-sidecar.js';

const CLI = join(REPO_ROOT, 'client-sdk/dist/cli.js');
const scratch = mkdtempSync(join(tmpdir(), 'squire-create-'));
let packed: PackedProject;

beforeAll(async () => {
  packed = await packedProject();
}, 900_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function squire(args: string[], cwd = scratch) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
}

describe('squire create <name>', () => {
  it('writes an agent project: module, test, package.json, tsconfig, application file, Dockerfile', () => {
    const created = squire(['create', 'hello']);
    expect(created.status).toBe(0);
    const dir = join(scratch, 'hello');
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(
      ['.dockerignore', '.gitignore', 'Dockerfile', 'README.md', 'package.json', 'squire.yaml', 'src', 'src/agent.ts', 'test', 'test/agent.test.ts', 'tsconfig.json'].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const own = JSON.parse(readFileSync(join(REPO_ROOT, 'client-sdk/package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'hello',
      type: 'module',
      peerDependencies: { '@squire/sidecar': `^${own.version}`, zod: own.dependencies.zod },
      devDependencies: { '@squire/sidecar': `^${own.version}`, '@squire/client': `^${own.version}`, zod: own.dependencies.zod },
    });
    expect(manifest.dependencies).toEqual({});
    expect(readFileSync(join(dir, 'src/agent.ts'), 'utf8')).toContain("name: 'hello'");
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).toContain(`ARG SQUIRE_IMAGE=squire-sidecar:${own.version}`);
    expect(created.stdout).toContain('npm install');
  });

  it('pins the same tool versions as this workspace, so the agent and the sidecar share one copy', () => {
    const manifest = JSON.parse(readFileSync(join(packed.project, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    const sidecar = JSON.parse(readFileSync(join(REPO_ROOT, 'sidecar/package.json'), 'utf8'));
    expect(manifest.devDependencies.typescript).toBe(root.devDependencies.typescript);
    expect(manifest.devDependencies['@types/node']).toBe(root.devDependencies['@types/node']);
    expect(manifest.devDependencies.tsx).toBe(sidecar.dependencies.tsx);
    expect(manifest.peerDependencies.zod).toBe(sidecar.dependencies.zod);
  });

  it('refuses a bad name, and a directory that is not empty (writing nothing)', () => {
    expect(squire(['create', 'Bad Name']).status).toBe(2);
    expect(squire(['create']).status).toBe(2);
    const taken = join(scratch, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'keep.txt'), 'mine');
    const refused = squire(['create', 'taken']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('not empty');
    expect(readdirSync(taken)).toEqual(['keep.txt']);
  });
});

describe('a created project, installed with npm from the packed packages', () => {
  it('passes its own test (node:test through @squire/sidecar/testing)', () => {
    const test = spawnSync('npm', ['test'], { cwd: packed.project, env: npmEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/[#ℹ] pass 2\n[#ℹ] fail 0/); // TAP on Node 20, spec on Node ≥ 23
  });

  it('type-checks as it is', () => {
    const typecheck = spawnSync('npm', ['run', 'typecheck'], { cwd: packed.project, env: npmEnv(), encoding: 'utf8', timeout: 120_000 });
    expect(typecheck.status, typecheck.stdout + typecheck.stderr).toBe(0);
  });
});
