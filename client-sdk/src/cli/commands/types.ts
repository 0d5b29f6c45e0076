/**
 * @module
 * `squire types`: TypeScript types of a sidecar built elsewhere, from its
 * descriptor, for `client.agent<T>()`.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { agentTypesModule } from '../../typegen/agent-types-module.js';
import { EXIT, parseCommandArgs, positiveInt, UsageError, type Command } from '../command.js';
import { reportFailure, TARGET, TARGET_OPTIONS, TARGET_USAGE, targetClient } from '../target-client.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export const typesCommand: Command = {
  name: 'types',
  summary: "TypeScript types of the agent's input and output, from its descriptor",
  usage: `squire types <endpoint> [--out FILE] [--name TypeName] [--token T] [--timeout-ms N]
${TARGET_USAGE}`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...TARGET_OPTIONS, out: { type: 'string' }, name: { type: 'string' } });
    if (values.name !== undefined && !IDENTIFIER.test(values.name)) throw new UsageError(`--name must be a TypeScript identifier, got ${values.name}`);
    const client = targetClient(positionals[0], values, io, positiveInt(values['timeout-ms'], '--timeout-ms'));
    try {
      const module = agentTypesModule(await client.describe(TARGET), { name: values.name });
      if (values.out) writeFileSync(resolve(io.cwd, values.out), module);
      else io.stdout.write(module);
      return EXIT.ok;
    } catch (error) {
      return reportFailure(io, error);
    } finally {
      await client.destroy();
    }
  },
};
