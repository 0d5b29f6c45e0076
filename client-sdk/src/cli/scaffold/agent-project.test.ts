import { describe, expect, it } from 'vitest';
import { agentProjectFiles } from './agent-project.js';

describe('agentProjectFiles', () => {
  const files = agentProjectFiles({ name: 'greeter', squireVersion: '1.2.3', zodRange: '^4.6.7' });

  it('names the agent and pins the Squire packages at the CLI version', () => {
    const manifest = JSON.parse(files['package.json']!);
    expect(manifest).toMatchObject({ name: 'greeter', type: 'module', peerDependencies: { '@squire/sidecar': '^1.2.3', zod: '^4.6.7' } });
    expect(files['src/agent.ts']).toContain("name: 'greeter'");
    expect(files['squire.yaml']).toContain('  greeter:\n    agent: ./src/agent.ts');
  });

  it('builds the image on the sidecar image of the same version, installing only the agent’s own dependencies', () => {
    const dockerfile = files.Dockerfile!;
    expect(dockerfile).toContain('ARG SQUIRE_IMAGE=squire-sidecar:1.2.3');
    expect(dockerfile).toContain('npm ci --omit=dev --omit=peer');
    expect(dockerfile).toContain('ENV SQUIRE_AGENT=/app/agents/greeter/src/agent.ts');
  });

  it('keeps to TypeScript that Node can strip', () => {
    expect(JSON.parse(files['tsconfig.json']!).compilerOptions).toMatchObject({ erasableSyntaxOnly: true, allowImportingTsExtensions: true, noEmit: true, strict: true });
  });
});
