/**
 * @module
 * `squire create <name>`: a new agent project that installs, tests,
 * type-checks, runs and builds into an image as it is.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { EXIT, parseCommandArgs, UsageError, type Command } from '../command.js';
import { ownManifest } from '../own-manifest.js';
import { AGENT_NAME, agentProjectFiles } from '../scaffold/agent-project.js';

export const createCommand: Command = {
  name: 'create',
  summary: 'scaffold an agent project: agent, test, package.json, tsconfig, Dockerfile',
  usage: `squire create <name> [--dir DIR]
<name> is the agent's name (${AGENT_NAME.source}); the project goes into ./<name> or DIR,
which must not exist or be empty.`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { dir: { type: 'string' } });
    const [name, extra] = positionals;
    if (!name) throw new UsageError('missing <name>');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    if (!AGENT_NAME.test(name)) throw new UsageError(`<name> must match ${AGENT_NAME.source} (lower case, digits, . _ -), got "${name}"`);
    const dir = resolve(io.cwd, values.dir ?? name);
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      io.stderr.write(`squire create: ${dir} exists and is not empty; nothing written\n`);
      return EXIT.failed;
    }
    const own = ownManifest();
    const files = agentProjectFiles({ name, squireVersion: own.version, zodRange: own.dependencies.zod });
    for (const [path, content] of Object.entries(files)) {
      const target = join(dir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    const shown = relative(io.cwd, dir) || '.';
    io.stdout.write(`Created the ${name} agent in ${shown}:\n${Object.keys(files).map((path) => `  ${path}`).join('\n')}\n\nNext:\n  cd ${shown}\n  npm install\n  npm test\n  npm start\n`);
    return EXIT.ok;
  },
};

