/**
 * @module
 * The files of a new agent project (`squire create <name>`): an agent
 * module, its test on `@squire/sidecar/testing`, a package.json with
 * `"type": "module"`, a tsconfig that keeps to syntax Node can strip, an
 * application file for `squire dev`, and a Dockerfile that builds on the
 * sidecar image. Pure: the versions come in, the files go out.
 *
 * `@squire/sidecar` and `zod` are peer dependencies (and dev dependencies for
 * work on the project): the sidecar hosts the agent and provides both, so in
 * the image `npm ci --omit=dev --omit=peer` installs only the agent's own
 * dependencies and the agent imports the very zod the sidecar validates with.
 */

export interface AgentProjectOptions {
  name: string;
  /** Version of @squire/client and @squire/sidecar (released in step). */
  squireVersion: string;
  /** The zod range @squire/sidecar depends on, so one copy serves both. */
  zodRange: string;
}

/** Ranges of the development tools, kept equal to the workspace's by a test. */
export const DEV_TOOL_RANGES = { typescript: '~5.9.3', tsx: '^4.23.15', '@types/node': '^20.19.0' } as const;

export const AGENT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Relative path → contents. */
export function agentProjectFiles({ name, squireVersion, zodRange }: AgentProjectOptions): Record<string, string> {
  const squire = `^${squireVersion}`;
  const packageJson = {
    name,
    version: '0.1.0',
    private: true,
    description: `The ${name} agent, hosted by a Squire sidecar`,
    type: 'module',
    engines: { node: '>=20.19' },
    scripts: {
      start: 'squire-sidecar --agent src/agent.ts',
      dev: 'squire dev -f squire.yaml',
      test: 'node --import tsx --test test/*.test.ts',
      typecheck: 'tsc',
    },
    dependencies: {},
    peerDependencies: { '@squire/sidecar': squire, zod: zodRange },
    devDependencies: { '@squire/client': squire, '@squire/sidecar': squire, zod: zodRange, ...DEV_TOOL_RANGES },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2023',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      // Node runs the .ts files as they are: imports name .ts files, and only syntax it can strip is allowed.
      allowImportingTsExtensions: true,
      erasableSyntaxOnly: true,
      verbatimModuleSyntax: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['src', 'test'],
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    'src/agent.ts': agentModule(name),
    'test/agent.test.ts': agentTest(),
    'squire.yaml': appFile(name),
    Dockerfile: dockerfile(name, squireVersion),
    '.dockerignore': 'node_modules\n.squire-data\n*.log\n',
    '.gitignore': 'node_modules/\n.squire-data/\n*.log\n',
    'README.md': readme(name),
  };
}

function agentModule(name: string): string {
  return `/**
 * The ${name} agent. The sidecar validates the input and the output against
 * these schemas and publishes them in its descriptor (GET /v1/agent).
 */
import { defineAgent } from '@squire/sidecar';
import { z } from 'zod';

export default defineAgent({
  name: '${name}',
  version: '0.1.0',
  description: 'Greets someone by name.',
  input: z.object({ name: z.string().min(1).max(200) }),
  output: z.object({ greeting: z.string() }),
  run: async ({ input, emit, signal }) => {
    emit({ step: 'greeting' }); // a run.progress event for streaming callers
    signal.throwIfAborted(); // the deadline, a cancel or a drain
    return { greeting: \`Hello, \${input.name}!\` };
  },
});
`;
}

function agentTest(): string {
  return `import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createTestSidecar, invokeInProcess } from '@squire/sidecar/testing';
import agent from '../src/agent.ts';

// The whole sidecar in-process: validation, the run, the answer; no port.
const sidecar = createTestSidecar(agent);
after(() => sidecar.close());

test('greets by name', async () => {
  const response = await invokeInProcess(sidecar, { name: 'Ada' });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { status: string; output: unknown };
  assert.equal(body.status, 'succeeded');
  assert.deepEqual(body.output, { greeting: 'Hello, Ada!' });
});

test('answers 400 invalid_input to an input that breaks the schema', async () => {
  const response = await invokeInProcess(sidecar, { name: '' });
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { code: string }).code, 'invalid_input');
});
`;
}

function appFile(name: string): string {
  return `# The sidecars of this project, started together by \`npm run dev\`
# (squire dev -f squire.yaml). The SDK reads the same file for the endpoints:
#   createClient({ sidecars: await sidecarsFromFile('squire.yaml') })
sidecars:
  ${name}:
    agent: ./src/agent.ts
    port: 7700
    # socket: ./.squire-data/${name}.sock   # instead of port
    # env: { OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }
`;
}

function dockerfile(name: string, squireVersion: string): string {
  return `# syntax=docker/dockerfile:1
# The ${name} agent on the Squire sidecar image, which brings Node,
# @squire/sidecar and zod. This file adds the agent and its own npm
# dependencies; the peer dependencies are the image's, so there is one copy.
#
#   npm install                      # once: package-lock.json
#   docker build -t ${name} .
#   docker run --rm -p 7700:7700 -e SQUIRE_HOST=0.0.0.0 -e SQUIRE_TOKEN=<16+ chars> ${name}
ARG SQUIRE_IMAGE=squire-sidecar:${squireVersion}
# Same Node as the sidecar image, so native dependencies load there.
ARG NODE_IMAGE=node:24-slim

FROM \${NODE_IMAGE} AS deps
WORKDIR /agent
COPY package.json package-lock.json ./
# A dependency that compiles needs: RUN apt-get update && apt-get install -y python3 make g++
RUN mkdir -p node_modules && npm ci --omit=dev --omit=peer

FROM \${SQUIRE_IMAGE}
WORKDIR /app/agents/${name}
COPY --from=deps /agent/node_modules ./node_modules
COPY package.json ./
COPY src ./src
ENV SQUIRE_AGENT=/app/agents/${name}/src/agent.ts
`;
}

function readme(name: string): string {
  return `# ${name}

A [Squire](https://www.npmjs.com/package/@squire/sidecar) agent: \`src/agent.ts\`, run by a sidecar.

| command | what it does |
|---|---|
| \`npm install\` | installs \`@squire/sidecar\`, \`zod\` and the tools (Node.js ≥ 20.19) |
| \`npm test\` | the agent's tests, through an in-process sidecar (\`@squire/sidecar/testing\`) |
| \`npm run typecheck\` | TypeScript, strict |
| \`npm start\` | the sidecar on http://127.0.0.1:7700 |
| \`npm run dev\` | every sidecar in \`squire.yaml\`, restarted when one crashes; Ctrl-C drains them |
| \`docker build -t ${name} .\` | an image on the sidecar image, with the agent's own dependencies |

Call it:

\`\`\`sh
npx squire call http://127.0.0.1:7700 --input '{"name":"Ada"}'
npx squire runs submit http://127.0.0.1:7700 --input '{"name":"Ada"}' --wait
\`\`\`

Dependencies: add the agent's own with \`npm install <package>\` (they go into the
image). \`@squire/sidecar\` and \`zod\` are peer dependencies: the sidecar provides
them, so keep them out of \`dependencies\`.
`;
}
