/**
 * The README is the reference: every configuration flag with its environment
 * twin and default, and every error code of the contract, must be in it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 start');
    expect(readme).toContain('npx -y pnpm@10 install && npx -y pnpm@10 test');
  });
});

describe('squire-sidecar --help', () => {
  it('prints every flag', async () => {
    const { code, stdout } = await runSidecarOnce(['--help']);
    expect(code).toBe(0);
    for (const flag of Object.keys(CONFIG_OPTIONS)) expect(stdout).toContain(`--${flag}`);
  });
});
