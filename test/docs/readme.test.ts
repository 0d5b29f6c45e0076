/**
 * The READMEs are the reference: every configuration flag with its
 * environment twin and default, every error code of the contract, and every
 * code of the SDK's closed error table (class, retried, phase) must be in
 * them, and nothing else; the README's application file example must be one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppFile, SQUIRE_ERROR_CODES, SQUIRE_ERROR_CODE_LIST } from '@squire/client';
import { ERROR_CODES, ERROR_CODE_LIST } from '@squire/client/contract';
import { REPO_ROOT, runSidecarOnce } from '../helpers/spawn-sidecar.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const { CONFIG_OPTIONS } = (await import(join(REPO_ROOT, 'sidecar/dist/config.js'))) as {
  CONFIG_OPTIONS: Record<string, { env: string }>;
};

describe('README', () => {
  it('lists every flag with its environment variable', () => {
    for (const [flag, spec] of Object.entries(CONFIG_OPTIONS)) {
      expect(readme).toMatch(new RegExp(`\\| \`--${flag}\` \\| \`${spec.env}\` \\|`));
    }
  });

  it('lists every error code with its status', () => {
    for (const code of ERROR_CODE_LIST) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${ERROR_CODES[code].status} |`) && line.includes(`\`${code}\``));
      expect(row, `README error table row for ${code}`).toBeDefined();
    }
  });

  it('shows only images that are in the repository', () => {
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1]!);
    expect(images).toContain('docs/console.png');
    for (const image of images) expect(existsSync(join(REPO_ROOT, image)), image).toBe(true);
  });

  it('shows a squire.yaml that is a valid application file of agents that exist', async () => {
    const example = /```yaml\n(# squire\.yaml\n[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'squire-readme-'));
    try {
      writeFileSync(join(dir, 'squire.yaml'), example!);
      const file = await readAppFile(join(dir, 'squire.yaml'));
      expect(file.sidecars.map((sidecar) => sidecar.name)).toEqual(['echo', 'slow', 'assistant']);
      for (const sidecar of file.sidecars) expect(existsSync(join(REPO_ROOT, relative(dir, sidecar.agent))), sidecar.agent).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 start');
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 test');
  });
});

describe('client-sdk/README.md', () => {
  const sdkReadme = readFileSync(join(REPO_ROOT, 'client-sdk/README.md'), 'utf8');
  const rows = new Map(
    sdkReadme
      .split('\n')
      .map((line) => /^\| `([a-z_]+)` \| `([A-Za-z]+)` \| (yes|no) \| ([a-z]+) \|/.exec(line))
      .filter((match) => match !== null)
      .map((match) => [match[1]!, { class: match[2], retryable: match[3] === 'yes', phase: match[4] }]),
  );

  it('lists every code of the error table with its class, whether it is retried, and its phase', () => {
    for (const code of SQUIRE_ERROR_CODE_LIST) {
      expect(rows.get(code), `client-sdk README error row for ${code}`).toEqual(SQUIRE_ERROR_CODES[code]);
    }
  });

  it('lists no code the table does not have', () => {
    expect([...rows.keys()].filter((code) => !(code in SQUIRE_ERROR_CODES))).toEqual([]);
  });
});

describe('squire-sidecar --help', () => {
  it('prints every flag', async () => {
    const { code, stdout } = await runSidecarOnce(['--help']);
    expect(code).toBe(0);
    for (const flag of Object.keys(CONFIG_OPTIONS)) expect(stdout).toContain(`--${flag}`);
  });
});
