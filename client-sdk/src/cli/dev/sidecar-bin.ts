/**
 * @module
 * Finds the `squire-sidecar` that an agent will run under: the
 * `@squire/sidecar` its own module resolves (the copy its `import` gets), else
 * the one beside the application file. `@squire/client` does not depend on
 * the sidecar, so there is no copy of our own to fall back on.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { SquireConfigError } from '../../errors.js';

export function findSidecarBin(agentModule: string, appFile: string): string {
  for (const from of [agentModule, appFile]) {
    let manifest: string;
    try {
      manifest = createRequire(from).resolve('@squire/sidecar/package.json');
    } catch {
      continue;
    }
    const bin = (JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: Record<string, string> }).bin?.['squire-sidecar'];
    if (bin) return resolve(dirname(manifest), bin);
  }
  throw new SquireConfigError(`cannot find @squire/sidecar from ${dirname(agentModule)} or ${dirname(appFile)}: install it next to the agent (npm install @squire/sidecar zod)`);
}

/** `squire-sidecar` arguments for one sidecar of the file. */
export function sidecarArgs(sidecar: { agent: string; port: number | undefined; socket: string | undefined; host: string; dataDir: string; args: string[] }): string[] {
  const address = sidecar.socket ? ['--socket', sidecar.socket] : ['--host', sidecar.host, '--port', String(sidecar.port)];
  return ['--agent', sidecar.agent, ...address, '--data-dir', sidecar.dataDir, ...sidecar.args];
}

