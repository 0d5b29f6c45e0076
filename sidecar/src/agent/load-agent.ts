/**
 * @module
 * Loads the agent module named by `--agent`. TypeScript modules go through
 * tsx's loader, so users run `.ts` agents without a build step on any Node
 * version we support; `.js`/`.mjs` modules use plain `import()`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { isDefinedAgent, type AgentDefinition } from './define-agent.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export class AgentLoadError extends Error {
  override readonly name = 'AgentLoadError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export async function loadAgent(modulePath: string, cwd = process.cwd()): Promise<AgentDefinition> {
  const absolute = resolve(cwd, modulePath);
  if (!existsSync(absolute)) throw new AgentLoadError([`--agent (SQUIRE_AGENT): ${absolute} does not exist`]);
  let module: { default?: unknown };
  try {
    module = await importAgentModule(absolute);
  } catch (error) {
    throw new AgentLoadError([`--agent (SQUIRE_AGENT): cannot load ${absolute}: ${(error as Error).stack ?? String(error)}`]);
  }
  // tsx may wrap a CommonJS-style default once more.
  let candidate = module.default;
  if (!isDefinedAgent(candidate) && candidate && typeof candidate === 'object' && 'default' in candidate) {
    candidate = (candidate as { default: unknown }).default;
  }
  return validateAgent(candidate, absolute);
}

/**
 * Node ≥ 22.18 strips TypeScript types itself, which starts faster than a
 * loader; older Nodes, and syntax that needs a transform (enums, namespaces),
 * go through tsx. Its registration is global (not tsImport's private
 * namespace) so the agent's `zod` and `@squire/sidecar` are the very module
 * instances the sidecar uses: one copy in memory, and `instanceof` holds.
 */
async function importAgentModule(absolute: string): Promise<{ default?: unknown }> {
  const url = pathToFileURL(absolute).href;
  if (!/\.[cm]?tsx?$/.test(absolute)) return (await import(url)) as { default?: unknown };
  const features = process.features as { typescript?: string | false };
  if (features.typescript && !absolute.endsWith('x')) {
    try {
      return (await import(url)) as { default?: unknown };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      // Node also refuses to strip a file under node_modules (an agent shipped as a package): tsx does not.
      if (!code.startsWith('ERR_UNSUPPORTED_TYPESCRIPT') && !code.startsWith('ERR_INVALID_TYPESCRIPT') && code !== 'ERR_UNKNOWN_FILE_EXTENSION' && code !== 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING') throw error;
    }
  }
  let register: () => unknown;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    // The image leaves tsx out: its Node strips types itself.
    throw new Error(
      `${absolute} needs TypeScript that Node cannot strip (enum, namespace, parameter properties, .tsx, or a file under node_modules) and tsx is not installed here: keep to erasable syntax (tsconfig "erasableSyntaxOnly": true) or compile the agent to .js`,
      { cause: error },
    );
  }
  register();
  return (await import(`${url}?tsx`)) as { default?: unknown };
}

export function validateAgent(candidate: unknown, source: string): AgentDefinition {
  if (!isDefinedAgent(candidate)) {
    throw new AgentLoadError([`${source}: the default export must be defineAgent({...}) from @squire/sidecar`]);
  }
  const problems: string[] = [];
  if (!NAME.test(candidate.name)) problems.push(`name "${candidate.name}" must match ${NAME}`);
  if (!SEMVER.test(candidate.version)) problems.push(`version "${candidate.version}" must be semver (e.g. 1.2.0)`);
  if (!(candidate.input instanceof z.ZodType)) problems.push('input must be a zod schema');
  if (!(candidate.output instanceof z.ZodType)) problems.push('output must be a zod schema');
  const hasRun = 'run' in candidate && typeof candidate.run === 'function';
  const hasInstructions = 'instructions' in candidate && candidate.instructions !== undefined;
  if (!hasRun && !hasInstructions) problems.push('define either run(ctx) or instructions (an LLM agent)');
  if (problems.length > 0) throw new AgentLoadError(problems.map((problem) => `${source}: ${problem}`));
  return candidate;
}
