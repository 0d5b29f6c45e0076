/**
 * The packages as users get them: `pnpm pack` of both, installed with plain
 * npm into a project outside the workspace (see helpers/packed-project.ts),
 * then an agent written there runs under the installed `squire-sidecar` and
 * answers the SDK and the `squire` CLI; a host app compiles against the
 * public types with `skipLibCheck: false` and only production dependencies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publint } from 'publint';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { packedProject, type PackedProject } from '../helpers/packed-project.js';
import { startSidecar, stopAllSidecars, type RunningSidecar } from '../helpers/spawn-sidecar.js';

interface Manifest {
  name: string;
  version: string;
  type: string;
  license: string;
  engines: { node: string };
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

let packed: PackedProject;
let host: string;
let sidecar: RunningSidecar;

beforeAll(async () => {
  packed = await packedProject();
  // A host app beside the agent project, sharing its node_modules.
  host = mkdtempSync(join(tmpdir(), 'squire-host-'));
  symlinkSync(join(packed.project, 'node_modules'), join(host, 'node_modules'));
  writeFileSync(join(host, 'package.json'), '{ "type": "module", "private": true }\n');
  sidecar = await startSidecar({ agent: join(packed.project, 'src/agent.ts'), bin: packed.bin('squire-sidecar'), cwd: packed.project });
}, 900_000);

afterAll(async () => {
  await stopAllSidecars();
  if (host) rmSync(host, { recursive: true, force: true });
});

function tarball(path: string): { files: string[]; manifest: Manifest; text: string } {
  const files = execFileSync('tar', ['tzf', path], { encoding: 'utf8' }).trim().split('\n');
  const text = execFileSync('tar', ['xzOf', path, 'package/package.json'], { encoding: 'utf8' });
  return { files, manifest: JSON.parse(text) as Manifest, text };
}

describe('the tarballs', () => {
  it('hold the build, bins, README and licence, and nothing of the workspace', () => {
    for (const [path, entries] of [
      [packed.tarballs.client, ['dist/index.js', 'dist/index.d.ts', 'dist/contract/index.js', 'dist/cli.js', 'bin/squire.js']],
      [packed.tarballs.sidecar, ['dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/main.js', 'dist/healthcheck.js', 'bin/squire-sidecar.js']],
    ] as const) {
      const { files, text } = tarball(path);
      for (const entry of ['package.json', 'README.md', 'LICENSE', ...entries]) expect(files, `${path} has ${entry}`).toContain(`package/${entry}`);
      expect(files.filter((file) => /\.test\.|\.tsbuildinfo$|^package\/(src|node_modules)\//.test(file))).toEqual([]);
      expect(text).not.toContain('workspace:');
    }
  });

  it('are released in step: one version, the sidecar pinned to that client, the same engines and licence', () => {
    const client = tarball(packed.tarballs.client).manifest;
    const sidecarManifest = tarball(packed.tarballs.sidecar).manifest;
    expect(sidecarManifest.version).toBe(client.version);
    expect(sidecarManifest.dependencies['@squire/client']).toBe(client.version);
    for (const manifest of [client, sidecarManifest]) {
      expect(manifest).toMatchObject({ type: 'module', license: 'Apache-2.0', engines: { node: '>=20.19' } });
    }
    expect(Object.keys(client.bin)).toEqual(['squire']);
    expect(Object.keys(sidecarManifest.bin)).toEqual(['squire-sidecar']);
  });

  it('pass publint and arethetypeswrong for an ESM-only package', async () => {
    for (const path of [packed.tarballs.client, packed.tarballs.sidecar]) {
      const data = readFileSync(path);
      const lint = await publint({ pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer }, level: 'suggestion', strict: true });
      expect(lint.messages, `publint ${path}`).toEqual([]);
      const types = await checkPackage(createPackageFromTarballData(new Uint8Array(data)));
      // ESM only, as the engines allow: CommonJS and node10 resolutions are not offered.
      const problems = 'problems' in types ? types.problems.filter((problem) => !('resolutionKind' in problem) || !['node10', 'node16-cjs'].includes(problem.resolutionKind)) : [];
      expect(problems, `arethetypeswrong ${path}`).toEqual([]);
    }
  });
});

describe('installed with npm outside the workspace', () => {
  it('links both bins, which report the package version', () => {
    const { version } = tarball(packed.tarballs.client).manifest;
    expect(execFileSync(packed.bin('squire'), ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
    expect(execFileSync(packed.bin('squire-sidecar'), ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });

  it('gives a host app types that compile with skipLibCheck: false and production dependencies only', () => {
    const agent = relative(host, join(packed.project, 'src/agent.ts'));
    writeFileSync(
      join(host, 'types.ts'),
      `import { createClient, sidecarsFromFile, type RunRecord } from '@squire/client';
import { RunEventSchema, type AgentDescriptor } from '@squire/client/contract';
import { defineAgent, type AgentContext } from '@squire/sidecar';
import { createTestSidecar, invokeInProcess, type TestSidecar } from '@squire/sidecar/testing';
import type demo from '${agent}';
import { z } from 'zod';

const local = defineAgent({ name: 'local', version: '1.0.0', input: z.object({ a: z.string() }), output: z.object({ b: z.string() }), run: ({ input }) => ({ b: input.a }) });
const client = createClient({ sidecars: await sidecarsFromFile('squire.yaml') });
const greeting: string = (await client.agent<typeof demo>('demo').call({ name: 'x' })).greeting;
const b: string = (await client.agent<typeof local>('local').call({ a: 'x' })).b;
const test: TestSidecar = createTestSidecar(local);
await invokeInProcess(test, { a: 'x' });
export type { RunRecord, AgentDescriptor, AgentContext };
export { greeting, b, RunEventSchema };
`,
    );
    writeFileSync(
      join(host, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2023', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, allowImportingTsExtensions: true, types: ['node'] },
        files: ['types.ts'],
      }),
    );
    // Only production dependencies came with the packages: no @types of our devDependencies.
    expect(spawnSync('test', ['-e', join(packed.project, 'node_modules/@types/better-sqlite3')]).status).toBe(1);
    const tsc = spawnSync(process.execPath, [join(packed.project, 'node_modules/typescript/bin/tsc'), '-p', host], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs the agent written there under the installed squire-sidecar, and the SDK calls it', () => {
    const agent = relative(host, join(packed.project, 'src/agent.ts'));
    writeFileSync(
      join(host, 'host.ts'),
      `import { createClient } from '@squire/client';
import type demo from '${agent}';

const client = createClient({ sidecars: { demo: process.argv[2]! } });
const result = await client.agent<typeof demo>('demo').invoke({ name: 'npm' });
console.log(JSON.stringify({ status: result.status, greeting: result.output.greeting }));
await client.close();
`,
    );
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'host.ts', sidecar.endpoint], { cwd: host, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ status: 'succeeded', greeting: 'Hello, npm!' });
  });

  it('answers the installed squire CLI: call, and a background run submitted and waited for', () => {
    const call = spawnSync(packed.bin('squire'), ['call', sidecar.endpoint, '--input', '{"name":"cli"}'], { encoding: 'utf8', timeout: 60_000 });
    expect(call.status).toBe(0);
    expect(JSON.parse(call.stdout).output).toEqual({ greeting: 'Hello, cli!' });
    const run = spawnSync(packed.bin('squire'), ['runs', 'submit', sidecar.endpoint, '--input', '{"name":"later"}', '--wait'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ status: 'succeeded', output: { greeting: 'Hello, later!' }, attempt: 1 });
  });
});
